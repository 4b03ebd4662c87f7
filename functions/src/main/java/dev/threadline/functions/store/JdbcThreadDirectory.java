package dev.threadline.functions.store;

import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** The PostgreSQL adapter of {@link ThreadDirectory}. */
@Singleton
public class JdbcThreadDirectory implements ThreadDirectory {

  /**
   * Keyset paging over {@code threads_by_owner_activity}: the row after the position, in
   * (updated_at desc, id) order; the first bound keeps the scan an index range.
   */
  static final String LIST =
      """
      select t.id, t.title, t.updated_at,
             exists (select 1 from runs r
                      where r.thread_id = t.id and r.status in ('queued', 'running'))
        from threads t
       where t.owner = ?
         and (?::timestamptz is null
              or t.updated_at < ?::timestamptz
              or (t.updated_at = ?::timestamptz and t.id > ?))
       order by t.updated_at desc, t.id
       limit ?
      """;

  /** A deadlock with a relay or a submit on the same thread: the delete is tried again. */
  private static final String DEADLOCK = "40P01";

  private static final int DELETE_ATTEMPTS = 3;

  private final JdbcTransactions transactions;

  public JdbcThreadDirectory(DataSource dataSource) {
    this.transactions = new JdbcTransactions(dataSource);
  }

  @Override
  public ThreadPage listThreads(String owner, ThreadListPosition after, int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit must be 1 to " + MAX_PAGE);
    }
    return transactions.singleStatement(
        "listing threads",
        connection -> {
          List<ThreadSummaryRow> rows = new ArrayList<>();
          try (PreparedStatement select = connection.prepareStatement(LIST)) {
            OffsetDateTime at = after == null ? null : after.updatedAt().atOffset(ZoneOffset.UTC);
            select.setString(1, owner);
            select.setObject(2, at);
            select.setObject(3, at);
            select.setObject(4, at);
            select.setString(5, after == null ? "" : after.id().value());
            select.setInt(6, limit + 1);
            try (ResultSet row = select.executeQuery()) {
              while (row.next()) {
                rows.add(
                    new ThreadSummaryRow(
                        new ThreadId(row.getString(1)),
                        row.getString(2),
                        row.getBoolean(4),
                        row.getObject(3, OffsetDateTime.class).toInstant()));
              }
            }
          }
          if (rows.size() <= limit) {
            return new ThreadPage(rows, Optional.empty());
          }
          List<ThreadSummaryRow> page = rows.subList(0, limit);
          return new ThreadPage(page, Optional.of(page.get(limit - 1).position()));
        });
  }

  @Override
  public Optional<MessagePage> olderMessages(ThreadId id, String owner, long beforeSeq, int limit) {
    if (limit < 1 || limit > MessagePage.MAX_SIZE) {
      throw new IllegalArgumentException("limit must be 1 to " + MessagePage.MAX_SIZE);
    }
    return transactions.inTransaction(
        "reading older messages of thread " + id,
        true,
        connection -> {
          if (RowQueries.ownedThread(connection, id, owner).isEmpty()) {
            return Optional.empty();
          }
          return Optional.of(RowQueries.messagesBefore(connection, id, beforeSeq, limit));
        });
  }

  @Override
  public Optional<List<UUID>> deleteThread(ThreadId id, String owner) {
    for (int attempt = 1; ; attempt++) {
      try {
        return transactions.inTransaction(
            "deleting thread " + id, false, connection -> delete(connection, id, owner));
      } catch (ThreadStoreException e) {
        if (attempt >= DELETE_ATTEMPTS
            || !(e.getCause() instanceof SQLException sql)
            || !DEADLOCK.equals(sql.getSQLState())) {
          throw e;
        }
      }
    }
  }

  /**
   * Locks in the order the relay does (run rows, then the thread row through the activity trigger),
   * so a completing run and a delete queue rather than deadlock; then the thread row, which holds
   * off new submits (their foreign-key lock waits) until the delete commits.
   */
  private static Optional<List<UUID>> delete(Connection connection, ThreadId id, String owner)
      throws SQLException {
    lockRuns(connection, id);
    if (RowQueries.threadRow(connection, id, " for update")
        .filter(t -> t.owner().equals(owner))
        .isEmpty()) {
      connection.rollback();
      return Optional.empty();
    }
    // runs committed between the two locks are seen now; none can be added any more
    List<UUID> running = lockRuns(connection, id);
    for (UUID run : running) {
      // the same wake-up a cancel sends: the executor aborts its model call at once
      RowQueries.notify(connection, RunNotifications.CANCEL_REQUESTED, run.toString());
    }
    for (String table : new String[] {"messages", "runs"}) {
      try (PreparedStatement delete =
          connection.prepareStatement("delete from " + table + " where thread_id = ?")) {
        delete.setString(1, id.value());
        delete.executeUpdate();
      }
    }
    try (PreparedStatement delete =
        connection.prepareStatement("delete from threads where id = ?")) {
      delete.setString(1, id.value());
      delete.executeUpdate();
    }
    connection.commit();
    return Optional.of(running);
  }

  /** Locks the thread's runs; returns the running ones. */
  private static List<UUID> lockRuns(Connection connection, ThreadId id) throws SQLException {
    List<UUID> running = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "select id, status from runs where thread_id = ? order by seq for update")) {
      select.setString(1, id.value());
      try (ResultSet row = select.executeQuery()) {
        while (row.next()) {
          if ("running".equals(row.getString(2))) {
            running.add(row.getObject(1, UUID.class));
          }
        }
      }
    }
    return running;
  }
}
