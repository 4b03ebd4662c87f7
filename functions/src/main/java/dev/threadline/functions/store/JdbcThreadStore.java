package dev.threadline.functions.store;

import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** The PostgreSQL adapter of {@link ThreadStore}; all of functions' SQL lives here. */
@Singleton
public class JdbcThreadStore implements ThreadStore {

  private static final String ACTIVE_RUN =
      "select id from runs where thread_id = ? and status in ('queued', 'running')"
          + " order by (status = 'running') desc, seq limit 1";

  private final DataSource dataSource;

  public JdbcThreadStore(DataSource dataSource) {
    // plain JDBC, explicit transactions (no Micronaut Data: its contextual DataSource would
    // refuse connections outside @Transactional, SchemaVersionGuard's included)
    this.dataSource = dataSource;
  }

  @Override
  public CreateOutcome createThread(ThreadId id, String owner, String title, Instant now) {
    return inTransaction(
        "creating thread " + id,
        false,
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "insert into threads (id, owner, title, created_at) values (?, ?, ?, ?)"
                      + " on conflict (id) do nothing")) {
            insert.setString(1, id.value());
            insert.setString(2, owner);
            insert.setString(3, title);
            insert.setTimestamp(4, Timestamp.from(now));
            if (insert.executeUpdate() == 1) {
              return new CreateOutcome.Created(new ThreadRow(id, owner, title, now));
            }
          }
          ThreadRow existing = threadRow(connection, id).orElseThrow();
          return existing.owner().equals(owner)
              ? new CreateOutcome.AlreadyYours(existing)
              : new CreateOutcome.TakenByOther();
        });
  }

  @Override
  public Optional<ThreadSnapshot> findThread(ThreadId id, String owner) {
    return inTransaction(
        "reading thread " + id,
        true,
        connection -> {
          Optional<ThreadRow> thread = ownedThread(connection, id, owner);
          if (thread.isEmpty()) {
            return Optional.empty();
          }
          List<MessageRow> messages = new ArrayList<>();
          try (PreparedStatement select =
              connection.prepareStatement(
                  "select id, role, content, run_id, created_at from messages"
                      + " where thread_id = ? order by seq")) {
            select.setString(1, id.value());
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                messages.add(
                    new MessageRow(
                        rows.getObject(1, UUID.class),
                        rows.getString(2),
                        rows.getString(3),
                        rows.getObject(4, UUID.class),
                        rows.getTimestamp(5).toInstant()));
              }
            }
          }
          return Optional.of(
              new ThreadSnapshot(thread.get(), messages, activeRun(connection, id).orElse(null)));
        });
  }

  @Override
  public Optional<ThreadActivity> findActivity(ThreadId id, String owner) {
    return inTransaction(
        "reading status of thread " + id,
        true,
        connection -> {
          if (ownedThread(connection, id, owner).isEmpty()) {
            return Optional.empty();
          }
          return Optional.of(new ThreadActivity(activeRun(connection, id).orElse(null)));
        });
  }

  @Override
  public SubmitOutcome submit(NewSubmission submission, Instant now) {
    ThreadId threadId = submission.threadId();
    return inTransaction(
        "submitting a message to thread " + threadId,
        false,
        connection -> {
          if (ownedThread(connection, threadId, submission.owner()).isEmpty()) {
            connection.rollback();
            return new SubmitOutcome.NoSuchThread();
          }
          String key = submission.idempotencyKey();
          if (key != null) {
            Optional<UUID> first = runByKey(connection, threadId, key);
            if (first.isPresent()) {
              connection.rollback();
              return new SubmitOutcome.Replayed(first.get());
            }
          }
          try (PreparedStatement run =
              connection.prepareStatement(
                  "insert into runs (id, thread_id, model, idempotency_key, created_at)"
                      + " values (?, ?, ?, ?, ?)"
                      + " on conflict (thread_id, idempotency_key) where idempotency_key is not null"
                      + " do nothing")) {
            run.setObject(1, submission.runId());
            run.setString(2, threadId.value());
            run.setString(3, submission.model());
            run.setString(4, key);
            run.setTimestamp(5, Timestamp.from(now));
            if (run.executeUpdate() == 0) {
              // a concurrent request with the same key committed first: its run is the answer
              connection.rollback();
              return new SubmitOutcome.Replayed(runByKey(connection, threadId, key).orElseThrow());
            }
          }
          try (PreparedStatement message =
              connection.prepareStatement(
                  "insert into messages (id, thread_id, role, content, run_id, created_at)"
                      + " values (?, ?, 'user', ?, ?, ?)")) {
            message.setObject(1, submission.messageId());
            message.setString(2, threadId.value());
            message.setString(3, submission.content());
            message.setObject(4, submission.runId());
            message.setTimestamp(5, Timestamp.from(now));
            message.executeUpdate();
          }
          notify(connection, RunNotifications.RUN_QUEUED, threadId.value());
          connection.commit();
          return new SubmitOutcome.Accepted(submission.runId());
        });
  }

  @Override
  public Optional<RunRow> findRun(ThreadId threadId, UUID runId, String owner) {
    return inTransaction(
        "reading run " + runId,
        true,
        connection -> ownedRun(connection, threadId, runId, owner, false));
  }

  @Override
  public Optional<RunRow> requestCancel(
      ThreadId threadId, UUID runId, String owner, Instant now) {
    return inTransaction(
        "cancelling run " + runId,
        false,
        connection -> {
          Optional<RunRow> found = ownedRun(connection, threadId, runId, owner, true);
          if (found.isEmpty()) {
            connection.rollback();
            return Optional.empty();
          }
          RunRow run = found.get();
          switch (run.status()) {
            case QUEUED -> {
              try (PreparedStatement update =
                  connection.prepareStatement(
                      "update runs set status = 'cancelled', finished_at = ?"
                          + " where id = ? and status = 'queued'")) {
                update.setTimestamp(1, Timestamp.from(now));
                update.setObject(2, runId);
                update.executeUpdate();
              }
            }
            case RUNNING -> {
              try (PreparedStatement update =
                  connection.prepareStatement(
                      "update runs set cancel_requested = true where id = ? and status = 'running'")) {
                update.setObject(1, runId);
                update.executeUpdate();
              }
              notify(connection, RunNotifications.CANCEL_REQUESTED, runId.toString());
            }
            default -> {
              // finished: nothing to cancel, nothing written
              connection.rollback();
              return found;
            }
          }
          Optional<RunRow> after = ownedRun(connection, threadId, runId, owner, false);
          connection.commit();
          return after;
        });
  }

  private static Optional<ThreadRow> threadRow(Connection connection, ThreadId id)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("select owner, title, created_at from threads where id = ?")) {
      select.setString(1, id.value());
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new ThreadRow(id, row.getString(1), row.getString(2), row.getTimestamp(3).toInstant()));
      }
    }
  }

  private static Optional<ThreadRow> ownedThread(Connection connection, ThreadId id, String owner)
      throws SQLException {
    return threadRow(connection, id).filter(thread -> thread.owner().equals(owner));
  }

  private static Optional<UUID> activeRun(Connection connection, ThreadId id) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(ACTIVE_RUN)) {
      select.setString(1, id.value());
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(row.getObject(1, UUID.class)) : Optional.empty();
      }
    }
  }

  private static Optional<UUID> runByKey(Connection connection, ThreadId threadId, String key)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "select id from runs where thread_id = ? and idempotency_key = ?")) {
      select.setString(1, threadId.value());
      select.setString(2, key);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(row.getObject(1, UUID.class)) : Optional.empty();
      }
    }
  }

  private static Optional<RunRow> ownedRun(
      Connection connection, ThreadId threadId, UUID runId, String owner, boolean lock)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "select r.status, r.attempts, r.epoch, r.executor_id, r.error"
                + " from runs r join threads t on t.id = r.thread_id"
                + " where r.id = ? and r.thread_id = ? and t.owner = ?"
                + (lock ? " for update of r" : ""))) {
      select.setObject(1, runId);
      select.setString(2, threadId.value());
      select.setString(3, owner);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new RunRow(
                runId,
                threadId,
                RunStatus.fromWire(row.getString(1)),
                row.getInt(2),
                row.getLong(3),
                row.getString(4),
                row.getString(5)));
      }
    }
  }

  private static void notify(Connection connection, String channel, String payload)
      throws SQLException {
    try (PreparedStatement notify = connection.prepareStatement("select pg_notify(?, ?)")) {
      notify.setString(1, channel);
      notify.setString(2, payload);
      notify.execute();
    }
  }

  private <T> T inTransaction(String what, boolean readOnly, SqlWork<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      connection.setReadOnly(readOnly);
      if (readOnly) {
        // the thread, its messages and its active run as of one snapshot
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      }
      try {
        T result = work.run(connection);
        if (!connection.isClosed() && !connection.getAutoCommit()) {
          // reads and no-op paths end here; a commit of nothing is harmless
          connection.commit();
        }
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setReadOnly(false);
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      if (e instanceof SQLTransientConnectionException
          || (e.getSQLState() != null && e.getSQLState().startsWith("08"))) {
        throw new StoreUnavailableException("database unavailable", e);
      }
      throw new ThreadStoreException(what + ": " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }
}
