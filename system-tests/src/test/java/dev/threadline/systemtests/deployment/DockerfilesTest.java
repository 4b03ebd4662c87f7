package dev.threadline.systemtests.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.systemtests.deployment.Dockerfile.Instruction;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Each jar's image recipe, checked against its module (no Docker engine here to build it): the base
 * image, a non-root user, the jar that {@code mvn package} really writes (the pom's finalName), and
 * the port the app really listens on.
 */
class DockerfilesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"functions, true", "outbox-relay, true", "migrations, false"})
  void theImageRunsTheModulesJarAsANonRootUserAndExposesItsPort(String module, boolean serves) {
    Dockerfile dockerfile = Dockerfile.of(module);
    String jar = finalName(module) + ".jar";

    assertThat(dockerfile.instructions().get(0).keyword())
        .as(module + ": FROM first")
        .isEqualTo("FROM");
    assertThat(dockerfile.all("FROM"))
        .as(module + ": one stage, the Java 25 runtime")
        .singleElement()
        .extracting(Instruction::arguments)
        .isEqualTo("eclipse-temurin:25-jre");

    Instruction copy =
        dockerfile.all("COPY").stream()
            .filter(instruction -> instruction.arguments().contains(".jar"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(module + "/Dockerfile copies no jar"));
    List<String> copyWords = copy.words();
    assertThat(copyWords.get(0))
        .as(module + ": the jar mvn package writes (pom finalName)")
        .isEqualTo("target/" + jar);
    String inImage = copyWords.get(copyWords.size() - 1);
    assertThat(dockerfile.last("ENTRYPOINT").orElseThrow().arguments())
        .as(module + ": ENTRYPOINT runs the copied jar")
        .contains("-jar " + inImage);
    assertThat(dockerfile.last("ENTRYPOINT").orElseThrow().arguments())
        .as(module + ": exec, so java is PID 1 and receives SIGTERM")
        .contains("exec java");

    Instruction user =
        dockerfile
            .last("USER")
            .orElseThrow(() -> new AssertionError(module + ": no USER: runs as root"));
    String account = user.arguments().split(":")[0];
    assertThat(account).as(module + ": USER").isNotIn("root", "0");
    assertThat(dockerfile.instructions().indexOf(user))
        .as(module + ": USER before the ENTRYPOINT")
        .isLessThan(dockerfile.instructions().indexOf(dockerfile.last("ENTRYPOINT").orElseThrow()));
    assertThat(dockerfile.all("ENV").stream().map(Instruction::arguments).toList())
        .as(module + ": the heap follows the container's memory limit")
        .anyMatch(env -> env.contains("-XX:MaxRAMPercentage="));

    if (serves) {
      int port = AppConfig.of(module).serverPort();
      assertThat(dockerfile.all("EXPOSE"))
          .as(module + ": EXPOSE the app's port")
          .singleElement()
          .extracting(Instruction::arguments)
          .isEqualTo(String.valueOf(port));
    } else {
      assertThat(dockerfile.all("EXPOSE")).as(module + " serves nothing").isEmpty();
    }

    // a .dockerignore that left the jar out of the build context would fail every build
    java.nio.file.Path ignore = RepoFiles.path(module + "/.dockerignore");
    if (java.nio.file.Files.exists(ignore)) {
      assertThat(RepoFiles.read(module + "/.dockerignore").lines().map(String::strip))
          .as(module + "/.dockerignore lets the jar in")
          .contains("!target/" + jar);
    }
  }

  /**
   * {@code <build><finalName>} of the module's pom: the name of the jar {@code mvn package} writes.
   */
  static String finalName(String module) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document pom =
          factory.newDocumentBuilder().parse(RepoFiles.path(module + "/pom.xml").toFile());
      NodeList builds = pom.getDocumentElement().getElementsByTagName("build");
      for (int i = 0; i < builds.getLength(); i++) {
        Element build = (Element) builds.item(i);
        if (build.getParentNode() == pom.getDocumentElement()) {
          NodeList names = build.getElementsByTagName("finalName");
          if (names.getLength() > 0) {
            return names.item(0).getTextContent().strip();
          }
        }
      }
      throw new AssertionError(module + "/pom.xml sets no <build><finalName>");
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("reading " + module + "/pom.xml", e);
    }
  }
}
