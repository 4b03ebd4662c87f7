package dev.threadline.systemtests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A Java program of ours (a jar, or a single-file source program) running as a child process with
 * exactly the environment a test gives it, its output in {@code target/processes/<name>.log}.
 * Killed on {@link #close()} and, as a last resort, when the test JVM exits.
 */
final class JarProcess implements AutoCloseable {

  /** Inherited variables that would configure our services behind a test's back. */
  private static final List<String> SCRUBBED_PREFIXES =
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

  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread reaper;

  private JarProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.reaper = new Thread(process::destroyForcibly, "reap-" + name);
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** {@code java -jar <jar> args...} */
  static JarProcess startJar(
      String name, Path jar, Map<String, String> environment, String... args) {
    List<String> javaArgs = new ArrayList<>(List.of("-jar", jar.toString()));
    javaArgs.addAll(List.of(args));
    return startJava(name, javaArgs, environment);
  }

  /** {@code java <javaArgs>}, with our JVM options first. */
  static JarProcess startJava(String name, List<String> javaArgs, Map<String, String> environment) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(javaArgs);
    Path log = Repository.current().processLogs().resolve(name + ".log");
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "=== " + Instant.now() + " " + String.join(" ", command) + System.lineSeparator(),
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder
          .environment()
          .keySet()
          .removeIf(key -> SCRUBBED_PREFIXES.stream().anyMatch(key::startsWith));
      builder.environment().putAll(environment);
      return new JarProcess(name, builder.start(), log);
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

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  String logTail(int lines) {
    List<String> all = logText().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /**
   * Waits until {@code GET http://127.0.0.1:<port>/health} answers 200; fails at once if it exits.
   */
  JarProcess awaitHealthy(int port, Duration timeout) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(2))
            .build();
    try {
      await(name + " healthy on port " + port)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .failFast(name + " exited", () -> !process.isAlive())
          .until(
              () -> {
                try {
                  return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()
                      == 200;
                } catch (IOException e) {
                  return false;
                }
              });
      return this;
    } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError(e.getMessage() + "; last lines of " + log + ":\n" + logTail(40), e);
    }
  }

  /** Waits for the process to end by itself and returns its exit code. */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            name + " still running after " + timeout + "; last lines:\n" + logTail(40));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + name, e);
    }
  }

  /** Graceful stop request; does not wait. */
  void sigterm() {
    process.destroy();
  }

  /** As a crash: the process gets no chance to clean up. Waits until it is gone. */
  void sigkill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Freezes the process (a long GC pause, a stalled VM): alive, silent, holding its sockets. */
  void sigstop() {
    signal("STOP");
  }

  void sigcont() {
    signal("CONT");
  }

  private void signal(String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, String.valueOf(pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("kill -" + signal + " " + pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      sigkill(); // SIGKILL ends a SIGSTOPped process too
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
