package dev.threadline.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A private nats-server started from a configuration file ({@code nats-server -c}), on a free port
 * with its own store directory, so one run can compare JetStream settings side by side.
 */
final class ConfiguredNatsServer implements AutoCloseable {

  private static final String BINARY =
      System.getenv().getOrDefault("NATS_SERVER_BIN", "/usr/sbin/nats-server");

  private final Process process;
  private final int port;
  private final Path directory;

  private ConfiguredNatsServer(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
  }

  /**
   * Starts nats-server with {@code jetstreamOptions} inside its {@code jetstream {}} block.
   *
   * @return the server, or empty with the server's own words when it refused the configuration
   */
  static Started start(String name, String jetstreamOptions, Path logs) throws IOException {
    int port = FreePorts.next();
    Path directory = Files.createDirectories(logs.resolve("nats-" + name));
    Path config = directory.resolve("nats-server.conf");
    Files.writeString(
        config,
        "listen: 127.0.0.1:"
            + port
            + "\njetstream {\n  store_dir: \""
            + directory.resolve("store")
            + "\"\n"
            + jetstreamOptions
            + "\n}\n",
        StandardCharsets.UTF_8);
    Path log = directory.resolve("nats-server.log");
    Files.deleteIfExists(log);
    Process process =
        new ProcessBuilder(BINARY, "-c", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return new Started(Optional.empty(), Files.readString(log).strip());
      }
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return new Started(Optional.of(new ConfiguredNatsServer(process, port, directory)), "");
      } catch (IOException notYet) {
        Pause.millis(50);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("nats-server " + name + " did not listen within 15 s: " + log);
  }

  /** A started server, or why nats-server refused to start. */
  record Started(Optional<ConfiguredNatsServer> server, String refusal) {}

  String url() {
    return "nats://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteStore(directory.resolve("store"));
  }

  private static void deleteStore(Path store) {
    try (var paths = Files.walk(store)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      // a leftover store under the git-ignored logs folder is harmless
    }
  }
}
