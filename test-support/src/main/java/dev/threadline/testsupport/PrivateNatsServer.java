package dev.threadline.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A nats-server with JetStream on a free port, for tests that must stop, kill or restart the
 * broker. Its store directory outlives a restart, as a real deployment's would.
 */
public final class PrivateNatsServer implements AutoCloseable {

  private static final String BINARY =
      System.getenv().getOrDefault("NATS_SERVER_BIN", "/usr/sbin/nats-server");

  private final int port;
  private final Path storeDir;
  private final Path logFile;
  private final String name;
  private final List<String> extraArguments;
  private Process process;

  private PrivateNatsServer(int port, Path storeDir, String name, List<String> extraArguments) {
    this.port = port;
    this.storeDir = storeDir;
    this.logFile = storeDir.resolve("nats-server.log");
    this.name = name;
    this.extraArguments = List.copyOf(extraArguments);
  }

  public static PrivateNatsServer start() {
    try {
      int port = freePort();
      PrivateNatsServer server =
          new PrivateNatsServer(
              port, Files.createTempDirectory("threadline-nats-"), "nats-" + port, List.of());
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("starting " + BINARY, e);
    }
  }

  /**
   * One node of a JetStream cluster, not started yet: {@code routes} are the cluster URLs of every
   * node ({@code nats://127.0.0.1:<clusterPort>}), this one's included.
   */
  static PrivateNatsServer clusterNode(
      String name, int port, int clusterPort, String clusterName, List<String> routes) {
    try {
      return new PrivateNatsServer(
          port,
          Files.createTempDirectory("threadline-" + name + "-"),
          name,
          List.of(
              "--cluster_name",
              clusterName,
              "--cluster",
              "nats://127.0.0.1:" + clusterPort,
              "--routes",
              String.join(",", routes)));
    } catch (IOException e) {
      throw new IllegalStateException("creating the store of " + name, e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("finding a free port", e);
    }
  }

  /** The server's name ({@code server_name}), as JetStream's cluster info reports it. */
  public String name() {
    return name;
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public synchronized void startProcess() {
    try {
      List<String> command =
          new ArrayList<>(
              List.of(
                  BINARY,
                  "-a",
                  "127.0.0.1",
                  "-p",
                  String.valueOf(port),
                  "-n",
                  name,
                  "-js",
                  "-sd",
                  storeDir.toString()));
      command.addAll(extraArguments);
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("starting " + BINARY + " (install nats-server)", e);
    }
    Awaitility.await("nats-server on port " + port)
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(this::accepting);
  }

  /** SIGKILL, as a crashed broker. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitFor();
    }
  }

  /** SIGTERM: lame-duck-free graceful stop. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      waitFor();
    }
  }

  public void restart() {
    stop();
    startProcess();
  }

  private void waitFor() {
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private boolean accepting() {
    try (Socket ignored = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    kill();
    deleteRecursively(storeDir.toFile());
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
