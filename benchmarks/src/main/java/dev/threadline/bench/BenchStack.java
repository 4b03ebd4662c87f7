package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's own stack beside any running local stack: its own database, reply stream, subject
 * prefix and free ports, the real jars and the pacing mock.
 *
 * @param repository the checkout (jars under {@code <module>/<buildDir>/})
 * @param logs where each process writes its log
 */
record BenchStack(
    Path repository,
    String buildDir,
    Path logs,
    String pgHost,
    int pgPort,
    String natsUrl,
    String database,
    String stream,
    String subjectPrefix,
    String jwtSecret) {

  static BenchStack create(Path repository, String buildDir, Path logs) {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    return new BenchStack(
        repository,
        buildDir,
        logs,
        "127.0.0.1",
        5432,
        "nats://127.0.0.1:4222",
        "threadline_bench",
        "THREADLINE_BENCH",
        "bench-threads",
        HexFormat.of().formatHex(secret));
  }

  String jdbcUrl() {
    return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + database;
  }

  java.sql.Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), "postgres", "");
  }

  Path jar(String module, String name) {
    Path jar = repository.resolve(module).resolve(buildDir).resolve(name + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: build with mvn -DskipTests package first");
    }
    return jar;
  }

  /**
   * Drops and re-creates the database, migrates it with migrations.jar, empties the reply stream.
   */
  void prepare() throws Exception {
    try (java.sql.Connection admin =
            DriverManager.getConnection(
                "jdbc:postgresql://" + pgHost + ":" + pgPort + "/postgres", "postgres", "");
        Statement statement = admin.createStatement()) {
      statement.execute("drop database if exists " + database + " with (force)");
      statement.execute("create database " + database);
    }
    ChildProcess migrations =
        ChildProcess.java(
            "migrations",
            List.of("-jar", jar("migrations", "migrations").toString()),
            databaseEnvironment(),
            logs);
    if (migrations.awaitExit(Duration.ofMinutes(2)) != 0) {
      throw new IllegalStateException(
          "migrations.jar failed: see " + logs.resolve("migrations.log"));
    }
    deleteStream();
  }

  void deleteStream() throws IOException, InterruptedException {
    try (Connection nats = Nats.connect(natsUrl)) {
      nats.jetStreamManagement().deleteStream(stream);
    } catch (JetStreamApiException absent) {
      // nothing to delete
    }
  }

  Map<String, String> databaseEnvironment() {
    Map<String, String> environment = new HashMap<>();
    environment.put("DATASOURCES_DEFAULT_URL", jdbcUrl());
    environment.put("DATASOURCES_DEFAULT_USERNAME", "postgres");
    environment.put("DATASOURCES_DEFAULT_PASSWORD", "");
    environment.put("LOG_FORMAT", "text");
    return environment;
  }

  private Map<String, String> busEnvironment(int port) {
    Map<String, String> environment = databaseEnvironment();
    environment.put("NATS_URL", natsUrl);
    environment.put("MICRONAUT_SERVER_PORT", String.valueOf(port));
    environment.put("THREADLINE_REPLIES_STREAM", stream);
    environment.put("THREADLINE_REPLIES_SUBJECT_PREFIX", subjectPrefix);
    return environment;
  }

  /** The pacing mock at its fastest: one chunk, no delay, unless a message directs otherwise. */
  Service pacingMock() {
    int port = FreePorts.next();
    ChildProcess process =
        ChildProcess.java(
            "pacing-mock",
            List.of(
                "-XX:+UseSerialGC",
                repository.resolve("local-stack/pacing-mock/PacingMock.java").toString(),
                "--port",
                String.valueOf(port),
                "--chunks",
                "1",
                "--delay-ms",
                "0"),
            Map.of(),
            logs);
    process.awaitHttp200(port, "/health", Duration.ofSeconds(60));
    return new Service(process, port);
  }

  /**
   * One functions instance.
   *
   * @param wakeUp {@code threadline.submit.wake-up}: notify, nats or none
   * @param jvmOptions before {@code -jar}, e.g. a class-data-sharing archive
   */
  ChildProcess startFunctions(
      String name,
      int port,
      int managementPort,
      String wakeUp,
      int poolSize,
      List<String> jvmOptions) {
    List<String> arguments = new ArrayList<>(jvmOptions);
    arguments.addAll(List.of("-jar", jar("functions", "functions").toString()));
    return ChildProcess.java(
        name, arguments, functionsEnvironment(port, managementPort, wakeUp, poolSize), logs);
  }

  /**
   * The AOT cache of functions.jar as {@code ./local-stack/up} ships it: made by {@code
   * local-stack/aot-cache} beside the jar (kept while newer than the jar).
   */
  Path functionsAotCache() {
    Path jar = jar("functions", "functions");
    Map<String, String> environment =
        functionsEnvironment(FreePorts.next(), FreePorts.next(), "nats", 4);
    environment.put("JAVA_HOME", System.getProperty("java.home"));
    environment.put("AUTH_JWT_SECRET", jwtSecret);
    ChildProcess training =
        ChildProcess.command(
            "functions-aot-cache",
            List.of(
                repository.resolve("local-stack/aot-cache").toString(),
                jar.toString(),
                environment.get("MICRONAUT_SERVER_PORT")),
            environment,
            logs);
    if (training.awaitExit(Duration.ofMinutes(5)) != 0) {
      throw new IllegalStateException(
          "local-stack/aot-cache failed: see " + logs.resolve("functions-aot-cache.log"));
    }
    return jar.resolveSibling("functions.aot");
  }

  private Map<String, String> functionsEnvironment(
      int port, int managementPort, String wakeUp, int poolSize) {
    Map<String, String> environment = busEnvironment(port);
    environment.put("THREADLINE_MANAGEMENT_PORT", String.valueOf(managementPort));
    environment.put("AUTH_JWT_SECRET", jwtSecret);
    environment.put("THREADLINE_SUBMIT_WAKE_UP", wakeUp);
    environment.put("DATASOURCES_DEFAULT_MAXIMUM_POOL_SIZE", String.valueOf(poolSize));
    // the benchmark is one owner with thousands of streams and runs: the per-owner limits that
    // protect a shared instance from one client would measure themselves, not the path
    environment.put("THREADLINE_MAX_STREAMS_PER_OWNER", "100000");
    environment.put("THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER", "100000");
    return environment;
  }

  /**
   * JVM options for the functions instances a scenario starts, from {@code
   * TL_BENCH_FUNCTIONS_JAVA_OPTIONS} (space-separated), to profile a row, e.g. {@code
   * -XX:StartFlightRecording=filename=/tmp/functions.jfr,settings=profile}.
   */
  private static List<String> profilingOptions() {
    String options = System.getenv("TL_BENCH_FUNCTIONS_JAVA_OPTIONS");
    return options == null || options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
  }

  Service functions(String wakeUp, int poolSize) {
    int port = FreePorts.next();
    int managementPort = FreePorts.next();
    ChildProcess process =
        startFunctions(
            "functions-" + wakeUp, port, managementPort, wakeUp, poolSize, profilingOptions());
    process.awaitHttp200(port, "/health", Duration.ofSeconds(90));
    return new Service(process, port, managementPort);
  }

  /**
   * One relay.
   *
   * @param wakeUp false: poll only (the baseline)
   */
  Service relay(String executorId, String mockBaseUrl, boolean wakeUp, Duration pollInterval) {
    int port = FreePorts.next();
    Map<String, String> environment = busEnvironment(port);
    environment.put("EXECUTOR_ID", executorId);
    environment.put("OPENAI_BASE_URL", mockBaseUrl);
    environment.put("OPENAI_API_KEY", "bench");
    environment.put("THREADLINE_RELAY_WAKE_UP", String.valueOf(wakeUp));
    environment.put("THREADLINE_RELAY_POLL_INTERVAL", pollInterval.toMillis() + "ms");
    ChildProcess process =
        ChildProcess.java(
            executorId,
            List.of("-jar", jar("outbox-relay", "outbox-relay").toString()),
            environment,
            logs);
    process.awaitHttp200(port, "/health", Duration.ofSeconds(90));
    return new Service(process, port);
  }

  /** A process; {@code metricsPort} serves {@code /prometheus} (functions' management port). */
  record Service(ChildProcess process, int port, int metricsPort) implements AutoCloseable {
    Service(ChildProcess process, int port) {
      this(process, port, port);
    }

    String baseUrl() {
      return "http://127.0.0.1:" + port;
    }

    String metricsBaseUrl() {
      return "http://127.0.0.1:" + metricsPort;
    }

    @Override
    public void close() {
      process.close();
    }
  }
}
