package dev.threadline.systemtests.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.threadline.systemtests.deployment.Manifests.Resource;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code local-stack/docker-compose.yml}: valid for a real compose parser (Debian's {@code
 * docker-compose config}, which needs no Docker engine), its images built from the modules'
 * Dockerfiles, and its processes configured with the same variables as the Kubernetes manifests.
 */
class ComposeFileTest {

  static final String COMPOSE_FILE = "local-stack/docker-compose.yml";

  /** Set only by the downward API in Kubernetes; compose gives EXECUTOR_ID directly. */
  static final Set<String> KUBERNETES_ONLY = Set.of("POD_NAME");

  private final Map<String, Object> compose = RepoFiles.yamlDocument(COMPOSE_FILE);
  private final Manifests manifests = Manifests.load();

  @Test
  void aRealComposeParserAcceptsTheFileAndRefusesItWithoutTheJwtSecret() {
    Path binary = composeBinary();

    Result valid = run(binary, Map.of("AUTH_JWT_SECRET", "compose-config-check"), "config", "-q");
    assertThat(valid.exitCode()).as("docker-compose config -q:\n" + valid.output()).isZero();

    // the same parser must see the file's required variable: proof it read what we wrote
    Result withoutSecret = run(binary, Map.of(), "config", "-q");
    assertThat(withoutSecret.exitCode())
        .as("docker-compose config -q without AUTH_JWT_SECRET")
        .isNotZero();
    assertThat(withoutSecret.output()).contains("AUTH_JWT_SECRET");

    // what the parser resolved (anchors, merges, interpolation) has the relay's stable identity
    Result resolved = run(binary, Map.of("AUTH_JWT_SECRET", "compose-config-check"), "config");
    assertThat(resolved.exitCode()).as(resolved.output()).isZero();
    Map<String, Object> normalized =
        Yamls.map(
            new Yaml(new SafeConstructor(new LoaderOptions())).load(resolved.stdout()),
            "docker-compose config");
    Map<String, Object> relay =
        Yamls.requiredMap(normalized, "services.relay", "docker-compose config");
    assertThat(environment(relay, "relay").get("EXECUTOR_ID")).isEqualTo("relay-1");
  }

  @Test
  void everyRelayHasItsOwnStableExecutorIdAndTimeToStop() {
    List<String> relays = servicesBuiltFrom("outbox-relay");
    assertThat(relays).as("relay services").isNotEmpty();
    Set<String> ids = new HashSet<>();
    for (String name : relays) {
      Map<String, Object> service = service(name);
      Map<String, String> environment = environment(service, name);
      String id = environment.get("EXECUTOR_ID");
      assertThat(id)
          .as(name + ": EXECUTOR_ID, fixed (a random id strands its runs until a takeover)")
          .isNotBlank()
          .doesNotContain("$");
      assertThat(ids.add(id)).as(name + ": EXECUTOR_ID " + id + " used by another relay").isTrue();
      assertThat(environment.get("MICRONAUT_ENVIRONMENTS")).as(name).contains("prod");

      String grace = environment.get("THREADLINE_RELAY_SHUTDOWN_GRACE");
      assertThat(grace).as(name + ": THREADLINE_RELAY_SHUTDOWN_GRACE set explicitly").isNotBlank();
      Duration budget = RelayShutdownBudget.forShutdownGrace(RelayShutdownBudget.parse(grace));
      Object stop = service.get("stop_grace_period");
      assertThat(stop).as(name + ": stop_grace_period (compose's default is 10 s)").isNotNull();
      assertThat(KubernetesManifestsTest.goDuration(String.valueOf(stop)))
          .as(name + " stop_grace_period")
          .isGreaterThanOrEqualTo(budget);
    }
  }

  @Test
  void ourServicesAreBuiltFromTheModulesDockerfilesAsTheImagesKubernetesRuns() {
    for (String module : List.of("functions", "outbox-relay", "migrations")) {
      List<String> services = servicesBuiltFrom(module);
      assertThat(services).as("compose services built from " + module + "/Dockerfile").isNotEmpty();
      for (String name : services) {
        String image = String.valueOf(service(name).get("image"));
        assertThat(Manifests.imageRepository(image))
            .as(name + " image")
            .isEqualTo("threadline/" + module);
      }
      assertThat(manifests.runningImage("threadline/" + module))
          .as("Kubernetes runs threadline/" + module)
          .isNotEmpty();
    }
    // no service of ours runs a jar mounted from the build instead of its image
    for (String name : services().keySet()) {
      Object command = service(name).get("command");
      assertThat(String.valueOf(command)).as(name + " command").doesNotContain(".jar");
    }
  }

  @Test
  void functionsAndTheRelayGetTheSameVariablesAsInKubernetes() {
    compareWithKubernetes("functions", "threadline/functions", true);
    compareWithKubernetes("outbox-relay", "threadline/outbox-relay", true);
    // migrations need only the database; Kubernetes hands them the shared ConfigMap as well
    compareWithKubernetes("migrations", "threadline/migrations", false);
  }

  private void compareWithKubernetes(String module, String image, boolean exactly) {
    Resource workload = KubernetesManifestsTest.only(manifests.runningImage(image), image);
    Set<String> kubernetes = new TreeSet<>(workload.container().environment(manifests).keySet());
    kubernetes.removeAll(KUBERNETES_ONLY);
    for (String name : servicesBuiltFrom(module)) {
      Set<String> composed = new TreeSet<>(environment(service(name), name).keySet());
      if (exactly) {
        assertThat(composed)
            .as("compose " + name + " vs Kubernetes " + workload.name() + " variables")
            .containsExactlyElementsOf(kubernetes);
      } else {
        assertThat(kubernetes)
            .as("Kubernetes " + workload.name() + " has compose " + name + "'s variables")
            .containsAll(composed);
      }
    }
  }

  private Map<String, Object> services() {
    return Yamls.requiredMap(compose, "services", COMPOSE_FILE);
  }

  private Map<String, Object> service(String name) {
    return Yamls.requiredMap(services(), name, COMPOSE_FILE + " services");
  }

  /**
   * Services whose build context is {@code <module>/} (relative to local-stack/, where the file
   * is).
   */
  private List<String> servicesBuiltFrom(String module) {
    Path moduleDirectory = RepoFiles.path(module).normalize();
    List<String> names = new ArrayList<>();
    services()
        .forEach(
            (name, definition) -> {
              Optional<Object> context = Yamls.at(Yamls.map(definition, name), "build.context");
              if (context.isPresent()) {
                Path resolved =
                    RepoFiles.path("local-stack")
                        .resolve(String.valueOf(context.get()))
                        .normalize();
                assertThat(resolved.resolve("Dockerfile"))
                    .as(name + " build context has a Dockerfile")
                    .isRegularFile();
                if (resolved.equals(moduleDirectory)) {
                  names.add(name);
                }
              }
            });
    return names;
  }

  /** A service's environment, given as a mapping or as a list of NAME=value. */
  static Map<String, String> environment(Map<String, Object> service, String name) {
    Object environment = service.get("environment");
    Map<String, String> variables = new LinkedHashMap<>();
    if (environment instanceof List<?> list) {
      for (Object entry : list) {
        String[] parts = String.valueOf(entry).split("=", 2);
        variables.put(parts[0], parts.length > 1 ? parts[1] : "");
      }
    } else if (environment != null) {
      Yamls.map(environment, name + " environment")
          .forEach((key, value) -> variables.put(key, String.valueOf(value)));
    }
    return variables;
  }

  /**
   * Debian's docker-compose: {@code THREADLINE_COMPOSE_BIN}, else on the PATH. Absent: fails under
   * CI (local-stack/test installs it there), skipped on a developer machine without it.
   */
  static Path composeBinary() {
    Optional<Path> found =
        Optional.ofNullable(System.getenv("THREADLINE_COMPOSE_BIN"))
            .map(Path::of)
            .or(() -> onPath("docker-compose"));
    if (found.isEmpty() || !Files.isExecutable(found.get())) {
      String message =
          "docker-compose is not installed: ./local-stack/test installs it"
              + " (apt-get install docker-compose), or set THREADLINE_COMPOSE_BIN";
      if (System.getenv("CI") != null) {
        fail(message + " (CI: the compose file must be checked)");
      }
      Assumptions.abort(message);
    }
    return found.get();
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(File.pathSeparator)) {
      Path candidate = Path.of(directory, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  record Result(int exitCode, String stdout, String output) {}

  private static Result run(Path binary, Map<String, String> environment, String... arguments) {
    List<String> command =
        new ArrayList<>(List.of(binary.toString(), "-f", RepoFiles.path(COMPOSE_FILE).toString()));
    command.addAll(List.of(arguments));
    try {
      Path stdout = Files.createTempFile("compose-out", ".txt");
      Path stderr = Files.createTempFile("compose-err", ".txt");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .directory(RepoFiles.root().toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        // only what a test gives: an inherited AUTH_JWT_SECRET or OPENAI_* would change what is
        // checked
        builder
            .environment()
            .keySet()
            .removeIf(
                key ->
                    key.startsWith("AUTH_")
                        || key.startsWith("OPENAI_")
                        || key.startsWith("LOG_FORMAT")
                        || key.startsWith("COMPOSE_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          fail("docker-compose " + String.join(" ", arguments) + " did not finish in 120 s");
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        return new Result(process.exitValue(), out, out + err);
      } finally {
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("running " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
