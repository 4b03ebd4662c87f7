package dev.threadline.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of a test's own ({@code initdb} into a temporary folder, a free port,
 * loopback only, trust authentication for {@code postgres}), for tests that restart or crash the
 * database under a running stack. Uses the server binaries of the machine's newest PostgreSQL
 * ({@code /usr/lib/postgresql/<version>/bin}, or {@code PG_BIN_DIR}); as root it runs them as the
 * {@code postgres} user, which PostgreSQL requires.
 */
public final class PrivatePostgres implements AutoCloseable {

  private final Path binDir;
  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private final boolean asRoot;

  private PrivatePostgres(Path binDir, Path dataDir, int port, boolean asRoot) {
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.logFile = dataDir.getParent().resolve("postgres.log");
    this.port = port;
    this.asRoot = asRoot;
  }

  public static PrivatePostgres start() {
    boolean asRoot = "root".equals(System.getProperty("user.name"));
    try {
      Path base = Files.createTempDirectory("threadline-pg-");
      Path dataDir = base.resolve("data");
      PrivatePostgres server = new PrivatePostgres(binDir(), dataDir, freePort(), asRoot);
      if (asRoot) {
        run(List.of("chown", "-R", "postgres:postgres", base.toString()), false);
      }
      server.pg("initdb", "-D", dataDir.toString(), "-U", "postgres", "-A", "trust", "--no-sync");
      server.pg(
          "pg_ctl",
          "-D",
          dataDir.toString(),
          "-l",
          server.logFile.toString(),
          "-o",
          server.serverOptions(),
          "-w",
          "start");
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("creating a private PostgreSQL", e);
    }
  }

  /** A JDBC URL of the server's {@code postgres} database, for {@link TestDatabase#onServer}. */
  public String serverUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public int port() {
    return port;
  }

  /**
   * {@code pg_ctl restart -m immediate}: every backend dies at once, as in a crash, and the server
   * comes back after crash recovery. Returns once it accepts connections again.
   */
  public void restartImmediately() {
    pg(
        "pg_ctl",
        "-D",
        dataDir.toString(),
        "-l",
        logFile.toString(),
        "-o",
        serverOptions(),
        "-m",
        "immediate",
        "-w",
        "restart");
  }

  private String serverOptions() {
    return "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dataDir.getParent();
  }

  private void pg(String program, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(binDir.resolve(program).toString());
    command.addAll(Arrays.asList(arguments));
    run(command, asRoot);
  }

  private static void run(List<String> command, boolean asPostgres) {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    try {
      Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", full) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("running " + String.join(" ", full), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", full), e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Path binDir() {
    String configured = System.getenv("PG_BIN_DIR");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    File[] versions = new File("/usr/lib/postgresql").listFiles();
    if (versions == null || versions.length == 0) {
      throw new IllegalStateException(
          "no PostgreSQL server binaries under /usr/lib/postgresql: install postgresql or set"
              + " PG_BIN_DIR");
    }
    return Arrays.stream(versions)
        .map(File::toPath)
        .max(Comparator.comparingInt(path -> Integer.parseInt(path.getFileName().toString())))
        .orElseThrow()
        .resolve("bin");
  }

  @Override
  public void close() {
    try {
      pg("pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "stop");
    } catch (IllegalStateException alreadyStopped) {
      // nothing to stop
    }
    deleteRecursively(dataDir.getParent().toFile());
  }

  private static void deleteRecursively(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        deleteRecursively(child);
      }
    }
    file.delete();
  }
}
