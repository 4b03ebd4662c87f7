package dev.threadline.bench;

import dev.threadline.protocol.ReplyStreamNames;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/** Load straight on PostgreSQL: the floor under submit, and the submit transaction alone. */
final class DatabaseLoad {

  private final BenchStack stack;

  DatabaseLoad(BenchStack stack) {
    this.stack = stack;
  }

  /**
   * The floor: one-row insert and commit, nothing else, open loop at {@code perSecond}; latency
   * from the due time, microseconds.
   */
  Histogram insertCommitFloor(double perSecond, Duration duration) throws Exception {
    try (Connection connection = stack.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "create table if not exists bench_floor (id bigserial primary key, at timestamptz not"
              + " null)");
    }
    int workers = 8;
    BlockingQueue<Connection> connections = new ArrayBlockingQueue<>(workers);
    for (int i = 0; i < workers; i++) {
      Connection connection = stack.connect();
      connection.setAutoCommit(false);
      connections.add(connection);
    }
    ExecutorService pool = Executors.newFixedThreadPool(workers, Api.daemon("floor"));
    Histogram latency = Row.histogram();
    int count = (int) (perSecond * duration.toMillis() / 1000);
    long period = (long) (1e9 / perSecond);
    long start = System.nanoTime() + 5_000_000L;
    for (int i = 0; i < count; i++) {
      long due = start + i * period;
      Pause.untilNanos(due);
      pool.execute(
          () -> {
            Connection connection = connections.poll();
            try (PreparedStatement insert =
                connection.prepareStatement("insert into bench_floor (at) values (now())")) {
              insert.executeUpdate();
              connection.commit();
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            } finally {
              connections.add(connection);
            }
            long took = (System.nanoTime() - due) / 1000;
            synchronized (latency) {
              latency.recordValue(took);
            }
          });
    }
    pool.shutdown();
    pool.awaitTermination(1, TimeUnit.MINUTES);
    for (Connection connection : connections) {
      connection.close();
    }
    return latency;
  }

  /** What {@link #submitTransactions} measured. */
  /**
   * @param wakeUp commit start to the wake-up's arrival at a listener, microseconds: a relay's
   *     claim starts from there
   */
  record Throughput(
      int clients,
      boolean withNotify,
      double commitsPerSecond,
      Histogram latency,
      Histogram wakeUp) {}

  /**
   * The submit transaction exactly as functions' JdbcThreadStore runs it (owner check, run,
   * message, commit), closed loop with {@code clients} connections as fast as they go, with its
   * wake-up: NOTIFY in the transaction when {@code notify}, else a core NATS publish after the
   * commit, as functions' two modes do. A listener of each kind times every wake-up from the start
   * of its commit. Leaves no run queued.
   */
  Throughput submitTransactions(
      int clients, boolean notify, Duration duration, List<String> threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients, Api.daemon("submit-tx"));
    AtomicLong commits = new AtomicLong();
    Histogram latency = Row.histogram();
    Histogram wakeUp = Row.histogram();
    Map<String, Long> commitStarted = new ConcurrentHashMap<>();
    String subject = new ReplyStreamNames(stack.stream(), stack.subjectPrefix()).wakeUpSubject();
    long end = System.nanoTime() + duration.toNanos();
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    try (io.nats.client.Connection nats = Nats.connect(stack.natsUrl());
        WakeUpListener listener = new WakeUpListener(stack, nats, subject, commitStarted, wakeUp)) {
      for (int c = 0; c < clients; c++) {
        String thread = threads.get(c % threads.size());
        String client = "c" + c + ":";
        futures.add(
            pool.submit(
                () -> {
                  try (Connection connection = stack.connect()) {
                    connection.setAutoCommit(false);
                    long sequence = 0;
                    while (System.nanoTime() < end) {
                      String token = client + sequence++;
                      long started = System.nanoTime();
                      submitOnce(
                          connection,
                          thread,
                          notify ? token : null,
                          () -> commitStarted.put(token, System.nanoTime()));
                      if (!notify) {
                        nats.publish(subject, token.getBytes(StandardCharsets.UTF_8));
                      }
                      long took = (System.nanoTime() - started) / 1000;
                      commits.incrementAndGet();
                      synchronized (latency) {
                        latency.recordValue(took);
                      }
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> future : futures) {
        future.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
      }
      listener.drain(Duration.ofSeconds(5), commits.get());
    } finally {
      pool.shutdown();
    }
    cancelQueued();
    return new Throughput(
        clients, notify, commits.get() / (duration.toMillis() / 1000.0), latency, wakeUp);
  }

  /** Hears the wake-ups of {@link #submitTransactions} on both paths, as a relay does. */
  private static final class WakeUpListener implements AutoCloseable {
    private final Map<String, Long> commitStarted;
    private final Histogram wakeUp;
    private final Connection listen;
    private final io.nats.client.Dispatcher dispatcher;
    private final io.nats.client.Connection nats;
    private final Thread notifications;
    private final AtomicLong heard = new AtomicLong();
    private volatile boolean running = true;

    WakeUpListener(
        BenchStack stack,
        io.nats.client.Connection nats,
        String subject,
        Map<String, Long> commitStarted,
        Histogram wakeUp)
        throws Exception {
      this.commitStarted = commitStarted;
      this.wakeUp = wakeUp;
      this.nats = nats;
      this.dispatcher =
          nats.createDispatcher(
              message -> heard(new String(message.getData(), StandardCharsets.UTF_8)));
      dispatcher.subscribe(subject);
      nats.flush(Duration.ofSeconds(2));
      this.listen = stack.connect();
      try (Statement statement = listen.createStatement()) {
        statement.execute("listen threadline_run_queued");
      }
      this.notifications = new Thread(this::listenLoop, "bench-listen");
      notifications.setDaemon(true);
      notifications.start();
    }

    private void listenLoop() {
      try {
        org.postgresql.PGConnection pg = listen.unwrap(org.postgresql.PGConnection.class);
        while (running) {
          org.postgresql.PGNotification[] received = pg.getNotifications(100);
          if (received != null) {
            for (org.postgresql.PGNotification notification : received) {
              heard(notification.getParameter());
            }
          }
        }
      } catch (SQLException e) {
        if (running) {
          System.err.println("bench LISTEN failed: " + e);
        }
      }
    }

    private void heard(String token) {
      long now = System.nanoTime();
      Long started = commitStarted.remove(token);
      if (started != null) {
        heard.incrementAndGet();
        synchronized (wakeUp) {
          wakeUp.recordValue(Math.max(0, (now - started) / 1000));
        }
      }
    }

    /** Waits until {@code expected} wake-ups were heard, or {@code wait} passed. */
    void drain(Duration wait, long expected) {
      long deadline = System.nanoTime() + wait.toNanos();
      while (heard.get() < expected && System.nanoTime() < deadline) {
        Pause.millis(10);
      }
    }

    @Override
    public void close() throws Exception {
      running = false;
      notifications.join(2000);
      nats.closeDispatcher(dispatcher);
      listen.close();
    }
  }

  /**
   * @param notifyToken the NOTIFY payload, null for none
   */
  private static void submitOnce(
      Connection connection, String thread, String notifyToken, Runnable beforeCommit)
      throws SQLException {
    Timestamp now = Timestamp.from(Instant.now());
    UUID runId = UUID.randomUUID();
    try (PreparedStatement owner =
        connection.prepareStatement("select owner from threads where id = ? and owner = ?")) {
      owner.setString(1, thread);
      owner.setString(2, "bench");
      try (ResultSet row = owner.executeQuery()) {
        if (!row.next()) {
          throw new IllegalStateException("no thread " + thread);
        }
      }
    }
    try (PreparedStatement run =
        connection.prepareStatement(
            "insert into runs (id, thread_id, model, idempotency_key, retryable, created_at) values"
                + " (?, ?, 'bench', null, true, ?)")) {
      run.setObject(1, runId);
      run.setString(2, thread);
      run.setTimestamp(3, now);
      run.executeUpdate();
    }
    try (PreparedStatement message =
        connection.prepareStatement(
            "insert into messages (id, thread_id, role, content, run_id, created_at) values (?, ?,"
                + " 'user', 'bench', ?, ?)")) {
      message.setObject(1, UUID.randomUUID());
      message.setString(2, thread);
      message.setObject(3, runId);
      message.setTimestamp(4, now);
      message.executeUpdate();
    }
    if (notifyToken != null) {
      try (PreparedStatement statement =
          connection.prepareStatement("select pg_notify('threadline_run_queued', ?)")) {
        statement.setString(1, notifyToken);
        statement.execute();
      }
    }
    beforeCommit.run();
    connection.commit();
  }

  /** Ends every queued run, so load that was only about submitting leaves the relays no work. */
  void cancelQueued() throws SQLException {
    try (Connection connection = stack.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "update runs set status = 'cancelled', finished_at = now() where status = 'queued'");
    }
  }

  /**
   * Queued-to-claimed time of each run, microseconds: the relay's claim stamp ({@code started_at})
   * minus the submit's ({@code created_at}, taken by functions just before its transaction, so the
   * figure includes that transaction). Waits for every run to be claimed.
   */
  Histogram pickup(List<UUID> runIds, Duration wait) throws Exception {
    return pickup(runIds, wait, null);
  }

  /** As {@link #pickup(List, Duration)}, only the runs of {@code threads} (null: all). */
  Histogram pickup(List<UUID> runIds, Duration wait, List<String> threads) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    try (Connection connection = stack.connect();
        PreparedStatement select =
            connection.prepareStatement(
                "select count(started_at), count(*) from runs where id = any(?)")) {
      select.setArray(1, connection.createArrayOf("uuid", runIds.toArray()));
      while (true) {
        try (ResultSet row = select.executeQuery()) {
          row.next();
          if (row.getLong(1) == row.getLong(2) || System.nanoTime() > deadline) {
            break;
          }
        }
        Pause.millis(100);
      }
    }
    Histogram pickup = Row.histogram();
    try (Connection connection = stack.connect();
        PreparedStatement select =
            connection.prepareStatement(
                "select (extract(epoch from started_at - created_at) * 1000000)::bigint from runs"
                    + " where id = any(?) and started_at is not null and (? or thread_id ="
                    + " any(?))")) {
      select.setArray(1, connection.createArrayOf("uuid", runIds.toArray()));
      select.setBoolean(2, threads == null);
      select.setArray(
          3, connection.createArrayOf("text", threads == null ? new Object[0] : threads.toArray()));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          pickup.recordValue(Math.max(0, rows.getLong(1)));
        }
      }
    }
    return pickup;
  }
}
