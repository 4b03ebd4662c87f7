package dev.threadline.systemtests;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the built artifacts live that the system tests start as processes. */
final class Repository {

  private final Path root;
  private final String buildDir;

  private Repository(Path root, String buildDir) {
    this.root = root;
    this.buildDir = buildDir;
  }

  /**
   * From the system properties surefire sets; falls back to the parent of the working directory.
   */
  static Repository current() {
    String root = System.getProperty("threadline.repo.root");
    Path path = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    return new Repository(
        path.toAbsolutePath().normalize(), System.getProperty("threadline.build.dir", "target"));
  }

  /**
   * The repository root: local-stack's scripts and the checked-in deployment files live under it.
   */
  Path root() {
    return root;
  }

  Path functionsJar() {
    return artifact("functions", "functions.jar");
  }

  Path relayJar() {
    return artifact("outbox-relay", "outbox-relay.jar");
  }

  Path migrationsJar() {
    return artifact("migrations", "migrations.jar");
  }

  Path pacingMockSource() {
    return existing(root.resolve("local-stack/pacing-mock/PacingMock.java"));
  }

  /** Where each started process writes its output. */
  Path processLogs() {
    String logs = System.getProperty("threadline.processes.logs");
    return logs != null
        ? Path.of(logs)
        : root.resolve("system-tests").resolve(buildDir).resolve("processes");
  }

  private Path artifact(String module, String jar) {
    return existing(root.resolve(module).resolve(buildDir).resolve(jar));
  }

  private static Path existing(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(
          path
              + " is missing: build it first (mvn -B -DskipTests package, or mvn verify from the repo root)");
    }
    return path;
  }
}
