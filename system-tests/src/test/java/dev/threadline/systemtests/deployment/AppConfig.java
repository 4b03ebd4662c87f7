package dev.threadline.systemtests.deployment;

import java.util.Map;
import java.util.Set;

/**
 * What a module's packaged {@code application.yml} says about its HTTP side: the port it listens on
 * by default and the health paths Micronaut's management endpoint serves there.
 */
public record AppConfig(String module, Map<String, Object> yaml) {

  public static AppConfig of(String module) {
    return new AppConfig(
        module, RepoFiles.yamlDocument(module + "/src/main/resources/application.yml"));
  }

  private String where() {
    return module + "/src/main/resources/application.yml";
  }

  /** {@code micronaut.server.port}: what {@code MICRONAUT_SERVER_PORT} overrides. */
  public int serverPort() {
    Object port = Yamls.required(yaml, "micronaut.server.port", where());
    return Integer.parseInt(String.valueOf(port));
  }

  /**
   * {@code threadline.management-port}: where functions serve {@code /prometheus} (what {@code
   * THREADLINE_MANAGEMENT_PORT} overrides); empty for an app that serves metrics on its server
   * port.
   */
  public java.util.Optional<Integer> managementPort() {
    return Yamls.at(yaml, "threadline.management-port")
        .map(port -> Integer.parseInt(String.valueOf(port)));
  }

  /**
   * The paths of the health endpoint ({@code /health} and its {@code /liveness} and {@code
   * /readiness} probes, which Micronaut serves whenever the endpoint is on), under {@code
   * endpoints.all.path}. Empty when the endpoint is off or needs authentication, because then no
   * probe could reach it.
   */
  public Set<String> anonymousHealthPaths() {
    boolean enabled =
        Yamls.at(yaml, "endpoints.health.enabled")
            .map(value -> Boolean.parseBoolean(String.valueOf(value)))
            .orElseGet(
                () ->
                    Yamls.at(yaml, "endpoints.all.enabled")
                        .map(value -> Boolean.parseBoolean(String.valueOf(value)))
                        .orElse(true));
    boolean sensitive =
        Yamls.at(yaml, "endpoints.health.sensitive")
            .map(value -> Boolean.parseBoolean(String.valueOf(value)))
            .orElse(false);
    if (!enabled || sensitive) {
      return Set.of();
    }
    String base = Yamls.at(yaml, "endpoints.all.path").map(String::valueOf).orElse("/");
    String health = (base.endsWith("/") ? base : base + "/") + "health";
    return Set.of(health, health + "/liveness", health + "/readiness");
  }
}
