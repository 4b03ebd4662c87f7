package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The statements of one submit transaction ({@link JdbcThreadStore#submit}): the owner's lock, the
 * first request under an idempotency key, the owner's active runs, and the two inserts.
 */
final class SubmitStatements {

  /**
   * The first key of the two-key advisory locks that serialise one owner's submits. The two-key
   * form is a lock space of its own: the relays' liveness locks (one bigint key) never meet it.
   */
  static final int OWNER_SUBMIT_LOCK = 0x7375_626d; // "subm"

  private SubmitStatements() {}

  /** The earlier request under an idempotency key: its run and what it asked for. */
  record FirstRequest(UUID runId, String content, String model, boolean retryable) {}

  /**
   * Holds until the transaction ends: one owner's submits count and insert one at a time, so no two
   * of them both see room under the quota; other owners' submits take other locks (a hash collision
   * only makes two owners wait for each other, never miscounts).
   */
  static void lockOwner(Connection connection, String owner) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("select pg_advisory_xact_lock(?, hashtext(?))")) {
      lock.setInt(1, OWNER_SUBMIT_LOCK);
      lock.setString(2, owner);
      lock.execute();
    }
  }

  static Optional<FirstRequest> firstRequest(Connection connection, ThreadId threadId, String key)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "select r.id, m.content, r.model, r.retryable from runs r"
                + " left join messages m on m.run_id = r.id and m.role = 'user'"
                + " where r.thread_id = ? and r.idempotency_key = ?")) {
      select.setString(1, threadId.value());
      select.setString(2, key);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new FirstRequest(
                row.getObject(1, UUID.class),
                row.getString(2),
                row.getString(3),
                row.getBoolean(4)));
      }
    }
  }

  /** The owner's queued and running runs, counted up to {@code atMost}. */
  static int activeRuns(Connection connection, String owner, int atMost) throws SQLException {
    try (PreparedStatement count =
        connection.prepareStatement(
            "select count(*) from (select 1 from runs r join threads t on t.id = r.thread_id"
                + " where t.owner = ? and r.status in ('queued', 'running') limit ?) active")) {
      count.setString(1, owner);
      count.setInt(2, atMost);
      try (ResultSet row = count.executeQuery()) {
        row.next();
        return row.getInt(1);
      }
    }
  }

  /** Inserts the run; false when a run with the same key on this thread committed first. */
  static boolean insertRun(Connection connection, NewSubmission submission, Instant now)
      throws SQLException {
    try (PreparedStatement run =
        connection.prepareStatement(
            "insert into runs (id, thread_id, model, idempotency_key, retryable, created_at)"
                + " values (?, ?, ?, ?, ?, ?)"
                + " on conflict (thread_id, idempotency_key) where idempotency_key is not null"
                + " do nothing")) {
      run.setObject(1, submission.runId());
      run.setString(2, submission.threadId().value());
      run.setString(3, submission.model());
      run.setString(4, submission.idempotencyKey());
      run.setBoolean(5, submission.retryable());
      run.setTimestamp(6, Timestamp.from(now));
      return run.executeUpdate() == 1;
    }
  }

  static void insertUserMessage(Connection connection, NewSubmission submission, Instant now)
      throws SQLException {
    try (PreparedStatement message =
        connection.prepareStatement(
            "insert into messages (id, thread_id, role, content, run_id, created_at)"
                + " values (?, ?, 'user', ?, ?, ?)")) {
      message.setObject(1, submission.messageId());
      message.setString(2, submission.threadId().value());
      message.setString(3, submission.content());
      message.setObject(4, submission.runId());
      message.setTimestamp(5, Timestamp.from(now));
      message.executeUpdate();
    }
  }
}
