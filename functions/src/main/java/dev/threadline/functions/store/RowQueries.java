package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The row-level SQL of {@link JdbcThreadStore}: each method one statement on a given connection.
 */
final class RowQueries {

  static final String ACTIVE_RUN =
      "select id from runs where thread_id = ? and status in ('queued', 'running')"
          + " order by (status = 'running') desc, seq limit 1";

  static final String RUN_STATE =
      "select r.status, r.epoch, r.error, r.finish_reason, m.id, m.content,"
          + " (extract(epoch from (now() - r.finished_at)) * 1000)::bigint"
          + " from runs r left join messages m on m.run_id = r.id and m.role = 'assistant'"
          + " where r.id = ? and r.thread_id = ?";

  static final String ENDED_RUNS_BETWEEN =
      "select r.status, r.epoch, r.error, r.finish_reason, m.id, m.content,"
          + " (extract(epoch from (now() - r.finished_at)) * 1000)::bigint, r.id"
          + " from runs r left join messages m on m.run_id = r.id and m.role = 'assistant'"
          + " where r.thread_id = ?"
          + " and r.seq > (select seq from runs where id = ? and thread_id = r.thread_id)"
          + " and r.seq < (select seq from runs where id = ? and thread_id = r.thread_id)"
          + " and r.status in ('completed', 'failed', 'cancelled') and r.started_at is not null"
          + " order by r.seq limit 100";

  /** Runs of one status across all owners, oldest first, for the operator view. */
  static final String RUNS_BY_STATUS =
      """
      select r.id, r.thread_id, r.status, r.executor_id, r.epoch, r.attempts, r.created_at,
             r.started_at, r.lease_expires_at,
             (extract(epoch from (r.lease_expires_at - now())) * 1000)::bigint,
             (extract(epoch from (now() - e.heartbeat_at)) * 1000)::bigint
        from runs r left join executors e on e.id = r.executor_id
       where r.status = ?
       order by r.seq
       limit ?
      """;

  private RowQueries() {}

  static List<RunOverviewRow> runsByStatus(Connection connection, RunStatus status, int limit)
      throws SQLException {
    List<RunOverviewRow> runs = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(RUNS_BY_STATUS)) {
      select.setString(1, status.wire());
      select.setInt(2, limit);
      try (ResultSet row = select.executeQuery()) {
        while (row.next()) {
          runs.add(
              new RunOverviewRow(
                  row.getObject(1, UUID.class),
                  new ThreadId(row.getString(2)),
                  RunStatus.fromWire(row.getString(3)),
                  row.getString(4),
                  row.getLong(5),
                  row.getInt(6),
                  instant(row, 7),
                  instant(row, 8),
                  instant(row, 9),
                  nullableLong(row, 10),
                  nullableLong(row, 11)));
        }
      }
    }
    return runs;
  }

  private static Instant instant(ResultSet row, int column) throws SQLException {
    OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static Long nullableLong(ResultSet row, int column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : value;
  }

  /**
   * At most {@code limit} messages of the thread just before {@code beforeSeq} (the newest ones
   * when null), oldest first, and whether older ones remain.
   */
  static MessagePage messagesBefore(Connection connection, ThreadId id, Long beforeSeq, int limit)
      throws SQLException {
    List<MessageRow> newestFirst = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "select id, role, content, run_id, created_at, seq from messages"
                + " where thread_id = ? and seq < ? order by seq desc limit ?")) {
      select.setString(1, id.value());
      select.setLong(2, beforeSeq == null ? Long.MAX_VALUE : beforeSeq);
      // one more than asked: whether anything older remains, without a count
      select.setInt(3, limit + 1);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          newestFirst.add(
              new MessageRow(
                  rows.getObject(1, UUID.class),
                  rows.getString(2),
                  rows.getString(3),
                  rows.getObject(4, UUID.class),
                  rows.getTimestamp(5).toInstant(),
                  rows.getLong(6)));
        }
      }
    }
    boolean older = newestFirst.size() > limit;
    List<MessageRow> page =
        new ArrayList<>(newestFirst.subList(0, Math.min(limit, newestFirst.size())));
    Collections.reverse(page);
    return new MessagePage(page, older ? OptionalLong.of(page.get(0).seq()) : OptionalLong.empty());
  }

  static Optional<RunState> runState(Connection connection, ThreadId threadId, UUID runId)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(RUN_STATE)) {
      select.setObject(1, runId);
      select.setString(2, threadId.value());
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(runState(row, runId)) : Optional.empty();
      }
    }
  }

  static Optional<UUID> runAtSequence(Connection connection, ThreadId threadId, long sequence)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "select id from runs where thread_id = ? and reply_from <= ?"
                + " order by reply_from desc limit 1")) {
      select.setString(1, threadId.value());
      select.setLong(2, sequence);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(row.getObject(1, UUID.class)) : Optional.empty();
      }
    }
  }

  static List<RunState> endedRunsBetween(
      Connection connection, ThreadId threadId, UUID after, UUID before) throws SQLException {
    List<RunState> runs = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(ENDED_RUNS_BETWEEN)) {
      select.setString(1, threadId.value());
      select.setObject(2, after);
      select.setObject(3, before);
      try (ResultSet row = select.executeQuery()) {
        while (row.next()) {
          runs.add(runState(row, row.getObject(8, UUID.class)));
        }
      }
    }
    return runs;
  }

  private static RunState runState(ResultSet row, UUID runId) throws SQLException {
    Object agoMillis = row.getObject(7);
    return new RunState(
        runId,
        RunStatus.fromWire(row.getString(1)),
        row.getLong(2),
        row.getString(3),
        row.getString(4),
        row.getObject(5, UUID.class),
        row.getString(6),
        agoMillis == null
            ? null
            : Duration.ofMillis(Math.max(0, ((Number) agoMillis).longValue())));
  }

  static Optional<ThreadRow> threadRow(Connection connection, ThreadId id) throws SQLException {
    return threadRow(connection, id, "");
  }

  /**
   * The thread's row under a lock that a concurrent delete ({@code for update}) waits for, and that
   * waits for a delete: a submit then finds the thread gone instead of failing on the foreign key.
   */
  static Optional<ThreadRow> ownedThreadKeyShared(Connection connection, ThreadId id, String owner)
      throws SQLException {
    return threadRow(connection, id, " for key share").filter(t -> t.owner().equals(owner));
  }

  static Optional<ThreadRow> threadRow(Connection connection, ThreadId id, String lock)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "select owner, title, created_at from threads where id = ?" + lock)) {
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

  static Optional<ThreadRow> ownedThread(Connection connection, ThreadId id, String owner)
      throws SQLException {
    return threadRow(connection, id).filter(thread -> thread.owner().equals(owner));
  }

  static Optional<UUID> activeRun(Connection connection, ThreadId id) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(ACTIVE_RUN)) {
      select.setString(1, id.value());
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(row.getObject(1, UUID.class)) : Optional.empty();
      }
    }
  }

  static Optional<UUID> runByKey(Connection connection, ThreadId threadId, String key)
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

  static Optional<RunRow> ownedRun(
      Connection connection, ThreadId threadId, UUID runId, String owner, boolean lock)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "select r.status, r.attempts, r.epoch, r.executor_id, r.error, r.retryable"
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
                row.getString(5),
                row.getBoolean(6)));
      }
    }
  }

  static void notify(Connection connection, String channel, String payload) throws SQLException {
    try (PreparedStatement notify = connection.prepareStatement("select pg_notify(?, ?)")) {
      notify.setString(1, channel);
      notify.setString(2, payload);
      notify.execute();
    }
  }
}
