package dev.threadline.functions.store;

import dev.threadline.functions.wakeup.WakeUpConfiguration;
import dev.threadline.functions.wakeup.WakeUpMode;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The PostgreSQL adapter of {@link ThreadStore}: each port method is one transaction ({@link
 * JdbcTransactions}) of row statements ({@link RowQueries}); all of functions' SQL lives in this
 * package.
 */
@Singleton
public class JdbcThreadStore implements ThreadStore {

  private final JdbcTransactions transactions;
  private final boolean notifyOnSubmit;

  /** A store whose submits raise NOTIFY in their transaction. */
  public JdbcThreadStore(DataSource dataSource) {
    this(dataSource, true);
  }

  @Inject
  public JdbcThreadStore(DataSource dataSource, WakeUpConfiguration wakeUp) {
    this(dataSource, wakeUp.mode() == WakeUpMode.NOTIFY);
  }

  /**
   * @param notifyOnSubmit raise {@code pg_notify} in each submit transaction; false when the relays
   *     are woken otherwise ({@code threadline.submit.wake-up}), since a notifying commit
   *     serialises with every other notifying commit
   */
  public JdbcThreadStore(DataSource dataSource, boolean notifyOnSubmit) {
    // plain JDBC, explicit transactions (no Micronaut Data: its contextual DataSource would
    // refuse connections outside @Transactional, SchemaVersionGuard's included)
    this.transactions = new JdbcTransactions(dataSource);
    this.notifyOnSubmit = notifyOnSubmit;
  }

  @Override
  public CreateOutcome createThread(ThreadId id, String owner, String title, Instant now) {
    return transactions.inTransaction(
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
          ThreadRow existing = RowQueries.threadRow(connection, id).orElseThrow();
          return existing.owner().equals(owner)
              ? new CreateOutcome.AlreadyYours(existing)
              : new CreateOutcome.TakenByOther();
        });
  }

  @Override
  public Optional<ThreadSnapshot> findThread(ThreadId id, String owner) {
    return transactions.inTransaction(
        "reading thread " + id,
        true,
        connection -> {
          Optional<ThreadRow> thread = RowQueries.ownedThread(connection, id, owner);
          if (thread.isEmpty()) {
            return Optional.empty();
          }
          MessagePage newest =
              RowQueries.messagesBefore(connection, id, null, MessagePage.MAX_SIZE);
          return Optional.of(
              new ThreadSnapshot(
                  thread.get(), newest, RowQueries.activeRun(connection, id).orElse(null)));
        });
  }

  @Override
  public Optional<ThreadActivity> findActivity(ThreadId id, String owner) {
    return transactions.inTransaction(
        "reading status of thread " + id,
        true,
        connection -> {
          if (RowQueries.ownedThread(connection, id, owner).isEmpty()) {
            return Optional.empty();
          }
          return Optional.of(new ThreadActivity(RowQueries.activeRun(connection, id).orElse(null)));
        });
  }

  @Override
  public SubmitOutcome submit(NewSubmission submission, Instant now) {
    ThreadId threadId = submission.threadId();
    return transactions.inTransaction(
        "submitting a message to thread " + threadId,
        false,
        connection -> {
          SubmitStatements.lockOwner(connection, submission.owner());
          if (RowQueries.ownedThreadKeyShared(connection, threadId, submission.owner()).isEmpty()) {
            connection.rollback();
            return new SubmitOutcome.NoSuchThread();
          }
          String key = submission.idempotencyKey();
          if (key != null) {
            Optional<SubmitOutcome> earlier = answerOfFirstRequest(connection, submission);
            if (earlier.isPresent()) {
              connection.rollback();
              return earlier.get();
            }
          }
          int limit = submission.maxActiveRuns();
          if (SubmitStatements.activeRuns(connection, submission.owner(), limit) >= limit) {
            connection.rollback();
            return new SubmitOutcome.OverQuota(limit);
          }
          if (!SubmitStatements.insertRun(connection, submission, now)) {
            // a request with the same key committed first: the owner's lock rules that out, so
            // this is a safety net, answered as a replay would be
            connection.rollback();
            return answerOfFirstRequest(connection, submission).orElseThrow();
          }
          SubmitStatements.insertUserMessage(connection, submission, now);
          if (notifyOnSubmit) {
            RowQueries.notify(connection, RunNotifications.RUN_QUEUED, threadId.value());
          }
          connection.commit();
          return new SubmitOutcome.Accepted(submission.runId());
        });
  }

  /** Replayed when the key's first request asked for exactly this, KeyReused otherwise. */
  private static Optional<SubmitOutcome> answerOfFirstRequest(
      Connection connection, NewSubmission submission) throws SQLException {
    return SubmitStatements.firstRequest(
            connection, submission.threadId(), submission.idempotencyKey())
        .map(
            first ->
                submission.sameRequestAs(first.content(), first.model(), first.retryable())
                    ? new SubmitOutcome.Replayed(first.runId())
                    : new SubmitOutcome.KeyReused());
  }

  @Override
  public Optional<RunRow> findRun(ThreadId threadId, UUID runId, String owner) {
    return transactions.inTransaction(
        "reading run " + runId,
        true,
        connection -> RowQueries.ownedRun(connection, threadId, runId, owner, false));
  }

  @Override
  public Optional<RunState> findRunState(ThreadId threadId, UUID runId) {
    return transactions.singleStatement(
        "reading the state of run " + runId,
        connection -> RowQueries.runState(connection, threadId, runId));
  }

  @Override
  public Optional<UUID> runAtSequence(ThreadId threadId, long sequence) {
    return transactions.singleStatement(
        "finding the run at sequence " + sequence,
        connection -> RowQueries.runAtSequence(connection, threadId, sequence));
  }

  @Override
  public List<RunState> endedRunsBetween(ThreadId threadId, UUID after, UUID before) {
    return transactions.singleStatement(
        "reading the runs between " + after + " and " + before,
        connection -> RowQueries.endedRunsBetween(connection, threadId, after, before));
  }

  @Override
  public Optional<RunRow> requestCancel(ThreadId threadId, UUID runId, String owner, Instant now) {
    return transactions.inTransaction(
        "cancelling run " + runId,
        false,
        connection -> {
          Optional<RunRow> found = RowQueries.ownedRun(connection, threadId, runId, owner, true);
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
              RowQueries.notify(connection, RunNotifications.CANCEL_REQUESTED, runId.toString());
            }
            default -> {
              // finished: nothing to cancel, nothing written
              connection.rollback();
              return found;
            }
          }
          Optional<RunRow> after = RowQueries.ownedRun(connection, threadId, runId, owner, false);
          connection.commit();
          return after;
        });
  }

  @Override
  public List<RunOverviewRow> runsByStatus(RunStatus status, int limit) {
    return transactions.singleStatement(
        "listing " + status.wire() + " runs",
        connection -> RowQueries.runsByStatus(connection, status, limit));
  }
}
