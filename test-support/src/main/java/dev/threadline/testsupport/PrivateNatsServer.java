package dev.threadline.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
  private Process process;

  private PrivateNatsServer(int port, Path storeDir) {
    this.port = port;
    this.storeDir = storeDir;
    this.logFile = storeDir.resolve("nats-server.log");
  }

  public static PrivateNatsServer start() {
    try {
      PrivateNatsServer server =
          new PrivateNatsServer(freePort(), Files.createTempDirectory("threadline-nats-"));
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("starting " + BINARY, e);
    }
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public synchronized void startProcess() {
    try {
      process =
          new ProcessBuilder(
                  BINARY,
                  "-a",
                  "127.0.0.1",
                  "-p",
                  String.valueOf(port),
                  "-js",
                  "-sd",
                  storeDir.toString())
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

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
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
