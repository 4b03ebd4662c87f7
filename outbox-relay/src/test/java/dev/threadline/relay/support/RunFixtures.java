package dev.threadline.relay.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.relay.store.JdbcRunStore;
import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** Threads, user messages and queued runs written with plain SQL, as the functions side does. */
public final class RunFixtures implements AutoCloseable {

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final TestDatabase database;
  private final HikariDataSource dataSource;
  private ApplicationContext storeContext; // guarded by this; started on the first store()

  public RunFixtures(TestDatabase database) {
    this.database = database;
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(database.jdbcUrl());
    pool.setUsername(database.username());
    pool.setPassword(database.password());
    pool.setMaximumPoolSize(10);
    pool.setMinimumIdle(0);
    this.dataSource = new HikariDataSource(pool);
  }

  @Override
  public synchronized void close() {
    if (storeContext != null) {
      storeContext.close();
    }
    dataSource.close();
  }

  /**
   * The production run store on this database, from a relay context of its own with no background
   * work: it is built on Micronaut Data repositories and transactions, which only a context gives.
   */
  public synchronized JdbcRunStore store() {
    if (storeContext == null) {
      storeContext =
          ApplicationContext.builder()
              .properties(Map.copyOf(database.datasourceProperties()))
              .properties(Map.of("threadline.relay.background", "false"))
              .deduceEnvironment(false)
              .start();
    }
    return storeContext.getBean(JdbcRunStore.class);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** A new thread with a unique id. */
  public String thread() {
    String id =
        "t" + THREADS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    execute("insert into threads (id, owner, created_at) values (?, 'owner-1', now())", id);
    return id;
  }

  /** A user message and its queued run, in one transaction, without a notification. */
  public UUID queueRun(String threadId, String content) {
    return queueRun(threadId, content, true, false);
  }

  public UUID queueRun(String threadId, String content, boolean retryable, boolean notify) {
    UUID runId = UUID.randomUUID();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      run(
          connection,
          "insert into runs (id, thread_id, model, retryable, created_at) values (?, ?, 'test-model', ?, now())",
          runId,
          threadId,
          retryable);
      run(
          connection,
          "insert into messages (id, thread_id, role, content, run_id, created_at)"
              + " values (?, ?, 'user', ?, ?, now())",
          UUID.randomUUID(),
          threadId,
          content,
          runId);
      if (notify) {
        run(connection, "select pg_notify(?, ?)", RunNotifications.RUN_QUEUED, threadId);
      }
      connection.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return runId;
  }

  public void requestCancel(UUID runId) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      run(connection, "update runs set cancel_requested = true where id = ?", runId);
      run(
          connection,
          "select pg_notify(?, ?)",
          RunNotifications.CANCEL_REQUESTED,
          runId.toString());
      connection.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Another executor steals the run (as a takeover would): raises the epoch under our feet. */
  public void stealRun(UUID runId, String otherExecutor) {
    execute(
        "update runs set executor_id = ?, epoch = epoch + 1 where id = ? and status = 'running'",
        otherExecutor,
        runId);
  }

  public void expireLease(UUID runId) {
    execute("update runs set lease_expires_at = now() - interval '1 hour' where id = ?", runId);
  }

  /** Pretends another executor runs the run since {@code leaseUntil}. */
  public void markRunning(UUID runId, String executorId, Instant leaseUntil) {
    execute(
        "update runs set status = 'running', executor_id = ?, epoch = epoch + 1,"
            + " attempts = attempts + 1, lease_expires_at = ? where id = ?",
        executorId,
        leaseUntil.atOffset(ZoneOffset.UTC),
        runId);
  }

  public RunRow run(UUID runId) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "select status, epoch, executor_id, attempts, error, chunks_published, finish_reason"
                    + " from runs where id = ?")) {
      select.setObject(1, runId);
      try (ResultSet row = select.executeQuery()) {
        row.next();
        return new RunRow(
            row.getString(1),
            row.getLong(2),
            row.getString(3),
            row.getInt(4),
            row.getString(5),
            (Integer) row.getObject(6),
            row.getString(7));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where the run's reply starts on its subject, as recorded; null when not recorded. */
  public Long replyFrom(UUID runId) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement("select reply_from from runs where id = ?")) {
      select.setObject(1, runId);
      try (ResultSet row = select.executeQuery()) {
        row.next();
        return (Long) row.getObject(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sessions of this test's database whose last statement was {@code query}. */
  public int countActivity(String query) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "select count(*) from pg_stat_activity where datname = current_database() and query = ?")) {
      select.setString(1, query);
      try (ResultSet row = select.executeQuery()) {
        row.next();
        return row.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The assistant messages written for the run (content), normally zero or one. */
  public List<String> assistantMessages(UUID runId) {
    List<String> contents = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "select content from messages where run_id = ? and role = 'assistant'")) {
      select.setObject(1, runId);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          contents.add(rows.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return contents;
  }

  public UUID assistantMessageId(UUID runId) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "select id from messages where run_id = ? and role = 'assistant'")) {
      select.setObject(1, runId);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? rows.getObject(1, UUID.class) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A session holding the executor's liveness lock, as its relay would; close it to "kill" it. */
  public Connection holdLivenessLock(String executorId) {
    try {
      Connection connection = database.connect();
      try (PreparedStatement lock =
          connection.prepareStatement("select pg_advisory_lock(hashtextextended(?, 0))")) {
        lock.setString(1, executorId);
        lock.execute();
      }
      return connection;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public void execute(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection()) {
      run(connection, sql, parameters);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public void truncate() {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("truncate messages, runs, threads, executors");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(Connection connection, String sql, Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.execute();
    }
  }

  public record RunRow(
      String status,
      long epoch,
      String executorId,
      int attempts,
      String error,
      Integer chunksPublished,
      String finishReason) {}
}
