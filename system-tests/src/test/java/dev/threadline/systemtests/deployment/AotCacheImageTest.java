package dev.threadline.systemtests.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.systemtests.deployment.Dockerfile.Instruction;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The functions image starts from the JDK AOT cache its own build made (README "Cold start"): the
 * training run runs the copied jar, after the copy, with the script the build context lets in, and
 * {@code JAVA_OPTS}, which the ENTRYPOINT passes to java, names the cache it wrote.
 */
class AotCacheImageTest {

  private static final Pattern AOT_CACHE = Pattern.compile("-XX:AOTCache=(\\S+?)\"?(\\s|$)");

  private final Dockerfile dockerfile = Dockerfile.of("functions");

  @Test
  void theImageStartsFromTheAotCacheItsOwnTrainingRunWrote() {
    String javaOptions =
        dockerfile.all("ENV").stream()
            .map(Instruction::arguments)
            .filter(env -> env.contains("JAVA_OPTS="))
            .findFirst()
            .orElseThrow(() -> new AssertionError("functions/Dockerfile sets no JAVA_OPTS"));
    Matcher cache = AOT_CACHE.matcher(javaOptions);
    assertThat(cache.find()).as("JAVA_OPTS names -XX:AOTCache: " + javaOptions).isTrue();
    String cacheInImage = cache.group(1);
    assertThat(dockerfile.last("ENTRYPOINT").orElseThrow().arguments())
        .as("the ENTRYPOINT passes JAVA_OPTS to java")
        .contains("java $JAVA_OPTS");

    Instruction jarCopy =
        dockerfile.all("COPY").stream()
            .filter(copy -> copy.arguments().contains(".jar"))
            .findFirst()
            .orElseThrow();
    String jarInImage = jarCopy.words().get(jarCopy.words().size() - 1);
    Instruction training =
        dockerfile.all("RUN").stream()
            .filter(run -> run.arguments().contains("aot-training.sh"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no RUN of aot-training.sh"));
    assertThat(training.arguments())
        .as("the training run trains the copied jar and writes the cache JAVA_OPTS names")
        .contains("aot-training.sh " + jarInImage + " " + cacheInImage);
    List<Instruction> instructions = dockerfile.instructions();
    assertThat(instructions.indexOf(training))
        .as("training after the jar is in the image")
        .isGreaterThan(instructions.indexOf(jarCopy));

    Instruction scriptCopy =
        dockerfile.all("COPY").stream()
            .filter(copy -> copy.words().get(0).equals("aot-training.sh"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("aot-training.sh is not copied into the image"));
    assertThat(instructions.indexOf(scriptCopy))
        .as("the script is copied before it runs")
        .isLessThan(instructions.indexOf(training));
    assertThat(Files.isRegularFile(RepoFiles.path("functions/aot-training.sh")))
        .as("functions/aot-training.sh exists")
        .isTrue();
    assertThat(RepoFiles.read("functions/.dockerignore").lines().map(String::strip))
        .as("functions/.dockerignore lets the training script into the build context")
        .contains("!aot-training.sh");
    assertThat(RepoFiles.read("functions/aot-training.sh"))
        .as("the script writes the cache it is given")
        .contains("-XX:AOTCacheOutput=\"$cache\"");
  }
}
