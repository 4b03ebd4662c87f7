package dev.threadline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program of ours (jar or single-file source) as a child process, with exactly the environment
 * the benchmark gives it and its output in a log file. {@link #kill()} is SIGKILL, {@link #close()}
 * SIGTERM then SIGKILL; the JVM's exit kills whatever is left.
 */
final class ChildProcess implements AutoCloseable {

  /** Inherited variables that would configure our services behind the benchmark's back. */
  private static final List<String> SCRUBBED =
      List.of(
          "DATASOURCES_",
          "NATS_",
          "MICRONAUT_",
          "OPENAI_",
          "AUTH_",
          "THREADLINE_",
          "EXECUTOR_ID",
          "POD_NAME",
          "JAVA_TOOL_OPTIONS",
          "JDK_JAVA_OPTIONS");

  private final String name;
  private final Process process;
  private final long startedNanos;

  private ChildProcess(String name, Process process, long startedNanos) {
    this.name = name;
    this.process = process;
    this.startedNanos = startedNanos;
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "reap-" + name));
  }

  /** {@code java <javaArgs>} with {@code environment} on top of the scrubbed inherited one. */
  static ChildProcess java(
      String name, List<String> javaArgs, Map<String, String> environment, Path logs) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaArgs);
    return command(name, command, environment, logs);
  }

  /** {@code command} with {@code environment} on top of the scrubbed inherited one. */
  static ChildProcess command(
      String name, List<String> command, Map<String, String> environment, Path logs) {
    Path log = logs.resolve(name + ".log");
    try {
      Files.createDirectories(logs);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().keySet().removeIf(key -> SCRUBBED.stream().anyMatch(key::startsWith));
      builder.environment().putAll(environment);
      long started = System.nanoTime();
      return new ChildProcess(name, builder.start(), started);
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + name + ": " + command, e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  long startedNanos() {
    return startedNanos;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Resident set size now, from /proc (Linux). */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      throw new IllegalStateException("no VmRSS for " + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** User plus system CPU time the process has used so far, from /proc (Linux, 100 ticks/s). */
  long cpuMillis() {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
      // fields after the command name, which is in parentheses and may hold spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until {@code GET http://127.0.0.1:<port><path>} answers 200; fails if the process exits.
   */
  ChildProcess awaitHttp200(int port, String path, Duration timeout) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + " (see its log)");
      }
      try {
        if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return this;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      Pause.millis(50);
    }
    throw new IllegalStateException(
        name + " not answering " + path + " on " + port + " within " + timeout);
  }

  /** Waits for the process to end by itself; its exit code. */
  int awaitExit(Duration timeout) {
    if (!waitFor(timeout)) {
      kill();
      throw new IllegalStateException(name + " did not exit within " + timeout);
    }
    return process.exitValue();
  }

  /** SIGKILL, and wait until it is gone. */
  void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /** SIGTERM; SIGKILL if it has not exited within {@code grace}. */
  void stop(Duration grace) {
    process.destroy();
    if (!waitFor(grace)) {
      kill();
    }
  }

  private boolean waitFor(Duration wait) {
    try {
      return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(10));
    }
  }
}
