package dev.threadline.systemtests;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.testsupport.PrivateNatsCluster;
import dev.threadline.testsupport.PrivateNatsServer;
import dev.threadline.testsupport.PrivatePostgres;
import dev.threadline.testsupport.TcpProxy;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole Threadline deployment as processes, private to one test class: its own migrated database,
 * its own JetStream stream and subjects, N functions instances and M relays on free ports, and a
 * pacing mock of the model API. {@link #close()} kills everything and drops the database.
 */
final class Stack implements AutoCloseable {

  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  static final String OWNER = "system-test-owner";

  private final PrivatePostgres privatePostgres;
  private final TestDatabase database;
  private final ReplyStreamNames replies;
  private final PrivateNatsServer privateNats;
  private final PrivateNatsCluster natsCluster;
  private final String natsUrl;
  private final String jwtSecret = TestTokens.newSecret();
  private final Map<String, String> extraEnvironment;
  private final PacingMockProcess mock;
  // CopyOnWrite: chaos tests start and kill instances while clients pick live ones
  private final List<Instance> functions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Instance> relays = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final TcpProxy relayDatabaseProxy;

  /**
   * One process of the stack; {@code name} is the relay's EXECUTOR_ID, or functions-N. {@code
   * metricsPort} serves {@code /prometheus}: functions' management port, the relay's own port.
   */
  private final java.util.Map<String, ApiClient> apiClients =
      new java.util.concurrent.ConcurrentHashMap<>();

  record Instance(String name, JarProcess process, int port, int metricsPort) {
    String url() {
      return "http://127.0.0.1:" + port;
    }

    String metricsUrl() {
      return "http://127.0.0.1:" + metricsPort + "/prometheus";
    }
  }

  private Stack(Builder builder) {
    this.extraEnvironment = Map.copyOf(builder.environment);
    this.replies = TestReplyStream.unique();
    this.privatePostgres = builder.privatePostgres ? PrivatePostgres.start() : null;
    try {
      this.database =
          privatePostgres != null
              ? TestDatabase.createMigratedOn(privatePostgres.serverUrl())
              : TestDatabase.createMigrated();
    } catch (RuntimeException | AssertionError e) {
      if (privatePostgres != null) {
        privatePostgres.close();
      }
      throw e;
    }
    PrivateNatsServer nats = null;
    PrivateNatsCluster cluster = null;
    try {
      nats = builder.privateNats ? PrivateNatsServer.start() : null;
      cluster = builder.clusterSize > 0 ? PrivateNatsCluster.start(builder.clusterSize) : null;
      this.mock = PacingMockProcess.start(builder.mockChunks, builder.mockDelayMs);
    } catch (RuntimeException | AssertionError e) {
      if (nats != null) {
        nats.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      database.close();
      if (privatePostgres != null) {
        privatePostgres.close();
      }
      throw e;
    }
    this.privateNats = nats;
    this.natsCluster = cluster;
    this.natsUrl = nats != null ? nats.url() : cluster != null ? cluster.urls() : TestNats.url();
    this.relayDatabaseProxy = builder.relayDatabaseProxy ? proxyTo(database) : null;
  }

  /** A proxy in front of the database's server, so a test can cut the relays' connections. */
  private static TcpProxy proxyTo(TestDatabase database) {
    java.net.URI server = java.net.URI.create(database.jdbcUrl().substring("jdbc:".length()));
    return TcpProxy.to(server.getHost(), server.getPort());
  }

  static Builder builder() {
    return new Builder();
  }

  static final class Builder {
    private int functions = 2;
    private int relays = 1;
    private int mockChunks = 20;
    private long mockDelayMs = 25;
    private boolean privateNats;
    private boolean privatePostgres;
    private int clusterSize;
    private boolean relayDatabaseProxy;
    private final Map<String, String> environment = new HashMap<>();

    Builder functions(int count) {
      this.functions = count;
      return this;
    }

    Builder relays(int count) {
      this.relays = count;
      return this;
    }

    /**
     * The mock's default reply: chunks and the pause before each (directives override per message).
     */
    Builder mock(int chunks, long delayMs) {
      this.mockChunks = chunks;
      this.mockDelayMs = delayMs;
      return this;
    }

    /** A nats-server of the stack's own, for tests that stop, kill or restart the broker. */
    Builder privateNats() {
      this.privateNats = true;
      return this;
    }

    /** A PostgreSQL server of the stack's own, for tests that restart or crash the database. */
    Builder privatePostgres() {
      this.privatePostgres = true;
      return this;
    }

    /**
     * A JetStream cluster of the stack's own ({@code size} nodes, the reply stream with that many
     * replicas); every process gets all node URLs in {@code NATS_URL}.
     */
    Builder natsCluster(int size) {
      this.clusterSize = size;
      environment.put("THREADLINE_REPLIES_REPLICAS", String.valueOf(size));
      return this;
    }

    /**
     * Relays reach PostgreSQL through a {@link TcpProxy} ({@link Stack#relayDatabaseProxy()});
     * functions directly.
     */
    Builder relayDatabaseProxy() {
      this.relayDatabaseProxy = true;
      return this;
    }

    /** An extra variable for every functions and relay process. */
    Builder environment(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** Starts every process at once, then waits until all are healthy. */
    Stack start() {
      Stack stack = new Stack(this);
      try {
        for (int i = 0; i < functions; i++) {
          stack.launchFunctions();
        }
        for (int i = 1; i <= relays; i++) {
          stack.launchRelay("relay-" + i);
        }
        stack.functions.forEach(
            instance -> instance.process().awaitHealthy(instance.port(), START_TIMEOUT));
        stack.relays.forEach(
            instance -> instance.process().awaitHealthy(instance.port(), START_TIMEOUT));
        return stack;
      } catch (RuntimeException | AssertionError e) {
        stack.close();
        throw e;
      }
    }
  }

  /** Starts one more functions instance and waits for its health. */
  Instance startFunctions() {
    Instance instance = launchFunctions();
    instance.process().awaitHealthy(instance.port(), START_TIMEOUT);
    return instance;
  }

  /**
   * Starts a relay with this executor id (again, after a kill: the same identity) and waits for
   * health.
   */
  Instance startRelay(String executorId) {
    Instance instance = launchRelay(executorId);
    instance.process().awaitHealthy(instance.port(), START_TIMEOUT);
    return instance;
  }

  /**
   * Starts a relay with this executor id and returns at once, before it is healthy: for tests that
   * keep killing and restarting relays while they wait for health elsewhere. Call from one thread.
   */
  Instance launchRelayProcess(String executorId) {
    return launchRelay(executorId);
  }

  private Instance launchFunctions() {
    int port = FreePort.next();
    Map<String, String> environment = commonEnvironment(port);
    environment.put("AUTH_JWT_SECRET", jwtSecret);
    // chaos and load scenarios queue many runs as one owner; a test of the quota sets it lower
    environment.putIfAbsent("THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER", "100000");
    int managementPort = FreePort.next();
    environment.put("THREADLINE_MANAGEMENT_PORT", String.valueOf(managementPort));
    // every client of a system test is one owner; the per-owner limit has its own tests (functions)
    environment.putIfAbsent("THREADLINE_MAX_STREAMS_PER_OWNER", "1000");
    String name = "functions-" + (functions.size() + 1);
    Instance instance =
        new Instance(
            name,
            JarProcess.startJar(
                name + "-" + port, Repository.current().functionsJar(), environment),
            port,
            managementPort);
    functions.add(instance);
    return instance;
  }

  private Instance launchRelay(String executorId) {
    int port = FreePort.next();
    Map<String, String> environment = commonEnvironment(port);
    environment.put("EXECUTOR_ID", executorId);
    environment.put("OPENAI_BASE_URL", mock.baseUrl());
    environment.put("OPENAI_API_KEY", "system-test-key");
    environment.put("OPENAI_MODEL", "mock-model");
    if (relayDatabaseProxy != null) {
      environment.put(
          "DATASOURCES_DEFAULT_URL",
          database
              .jdbcUrl()
              .replaceFirst("//[^/]+/", "//127.0.0.1:" + relayDatabaseProxy.port() + "/"));
    }
    Instance instance =
        new Instance(
            executorId,
            JarProcess.startJar(
                executorId + "-" + port, Repository.current().relayJar(), environment),
            port,
            port);
    relays.add(instance);
    return instance;
  }

  /**
   * What every functions and relay process of this stack gets, as README, Configuration names it.
   */
  Map<String, String> commonEnvironment(int port) {
    Map<String, String> environment = new HashMap<>(database.datasourceEnvironment());
    environment.putAll(TestReplyStream.environment(replies));
    environment.put("NATS_URL", natsUrl);
    environment.put("MICRONAUT_SERVER_PORT", String.valueOf(port));
    environment.putAll(extraEnvironment);
    return environment;
  }

  TestDatabase database() {
    return database;
  }

  ReplyStreamNames replies() {
    return replies;
  }

  String natsUrl() {
    return natsUrl;
  }

  /** The stack's own broker; only with {@link Builder#privateNats()}. */
  PrivateNatsServer nats() {
    if (privateNats == null) {
      throw new IllegalStateException(
          "this stack shares the machine's NATS: build it with privateNats()");
    }
    return privateNats;
  }

  /** The stack's own PostgreSQL server; only with {@link Builder#privatePostgres()}. */
  PrivatePostgres postgres() {
    if (privatePostgres == null) {
      throw new IllegalStateException("this stack shares the machine's PostgreSQL");
    }
    return privatePostgres;
  }

  /** The stack's own JetStream cluster; only with {@link Builder#natsCluster(int)}. */
  PrivateNatsCluster natsCluster() {
    if (natsCluster == null) {
      throw new IllegalStateException("this stack has no cluster: build it with natsCluster(3)");
    }
    return natsCluster;
  }

  /**
   * The proxy between the relays and PostgreSQL; only with {@link Builder#relayDatabaseProxy()}.
   */
  TcpProxy relayDatabaseProxy() {
    if (relayDatabaseProxy == null) {
      throw new IllegalStateException(
          "relays reach the database directly: build the stack with relayDatabaseProxy()");
    }
    return relayDatabaseProxy;
  }

  /** Every relay process started so far, oldest first, the killed ones included. */
  List<Instance> relays() {
    return List.copyOf(relays);
  }

  /** Waits until every process of the stack that is running answers /health with 200. */
  void awaitAllHealthy(Duration timeout) {
    java.util.stream.Stream.concat(functions.stream(), relays.stream())
        .filter(instance -> instance.process().isAlive())
        .forEach(instance -> instance.process().awaitHealthy(instance.port(), timeout));
  }

  String jwtSecret() {
    return jwtSecret;
  }

  PacingMockProcess mock() {
    return mock;
  }

  /** Every functions instance started so far, oldest first, the killed ones included. */
  List<Instance> functionsInstances() {
    return List.copyOf(functions);
  }

  Instance functions(int index) {
    return functions.get(index);
  }

  Instance relay(int index) {
    return relays.get(index);
  }

  /** The latest relay started with this EXECUTOR_ID. */
  Instance relay(String executorId) {
    for (int i = relays.size() - 1; i >= 0; i--) {
      if (relays.get(i).name().equals(executorId)) {
        return relays.get(i);
      }
    }
    throw new IllegalArgumentException("no relay " + executorId + " in " + relays);
  }

  /** The API as {@code owner} sees it through functions instance {@code index}. */
  ApiClient api(int index, String owner) {
    // cached: each ApiClient's HttpClient holds a selector thread until it is collected
    return apiClients.computeIfAbsent(
        functions(index).url() + " " + owner,
        key -> new ApiClient(functions(index).url(), TestTokens.hs256(jwtSecret, owner)));
  }

  ApiClient api(int index) {
    return api(index, OWNER);
  }

  @Override
  public void close() {
    relays.forEach(instance -> instance.process().close());
    functions.forEach(instance -> instance.process().close());
    mock.close();
    if (relayDatabaseProxy != null) {
      relayDatabaseProxy.close();
    }
    if (privateNats != null) {
      privateNats.close();
    } else if (natsCluster != null) {
      natsCluster.close();
    } else {
      TestNats.deleteStream(replies);
    }
    database.close();
    if (privatePostgres != null) {
      privatePostgres.close();
    }
  }
}
