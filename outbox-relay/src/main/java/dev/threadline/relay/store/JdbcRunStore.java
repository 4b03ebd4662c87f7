package dev.threadline.relay.store;

import dev.threadline.completion.ChatMessage;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.store.TakenOverRun.Disposition;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The run store on PostgreSQL, plain JDBC on the pooled data source; SQL lives in {@link RunSql}.
 */
@Singleton
public class JdbcRunStore implements RunStore {

  private static final String UNIQUE_VIOLATION = "23505";

  private final DataSource dataSource;
  private final IdGenerator ids;

  public JdbcRunStore(DataSource dataSource, IdGenerator ids) {
    this.dataSource = dataSource;
    this.ids = ids;
  }

  @Override
  public Optional<ClaimedRun> claimNext(String executorId, Instant now, Duration lease) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement claim = connection.prepareStatement(RunSql.CLAIM_NEXT)) {
      claim.setString(1, executorId);
      claim.setObject(2, timestamp(now.plus(lease)));
      claim.setObject(3, timestamp(now));
      try (ResultSet row = claim.executeQuery()) {
        return row.next() ? Optional.of(claimedRun(row)) : Optional.empty();
      }
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        return Optional.empty(); // another executor started a run of that thread first
      }
      throw new RunStoreException("claiming the next queued run", e);
    }
  }

  @Override
  public List<TakenOverRun> takeOverOrphans(
      String executorId, Instant now, Duration lease, int limit) {
    List<TakenOverRun> taken = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        // Each orphan in its own transaction: the liveness probe's try-lock lasts until commit.
        for (int probed = 0; probed < limit; probed++) {
          Optional<OrphanRef> orphan = findOrphan(connection, executorId, now);
          if (orphan.isEmpty()) {
            connection.rollback();
            break;
          }
          Optional<TakenOverRun> won = takeOver(connection, orphan.get(), executorId, now, lease);
          connection.commit();
          won.ifPresent(taken::add);
        }
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new RunStoreException("taking over orphaned runs", e);
    }
    return taken;
  }

  @Override
  public List<TakenOverRun> recoverOwn(String executorId, Instant now, Duration lease) {
    List<TakenOverRun> taken = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      List<OrphanRef> own = new ArrayList<>();
      try (PreparedStatement find = connection.prepareStatement(RunSql.FIND_OWN_RUNNING)) {
        find.setString(1, executorId);
        try (ResultSet rows = find.executeQuery()) {
          while (rows.next()) {
            own.add(orphanRef(rows));
          }
        }
      }
      for (OrphanRef ref : own) {
        takeOver(connection, ref, executorId, now, lease).ifPresent(taken::add);
      }
    } catch (SQLException e) {
      throw new RunStoreException("recovering the runs of executor " + executorId, e);
    }
    return taken;
  }

  private Optional<OrphanRef> findOrphan(Connection connection, String executorId, Instant now)
      throws SQLException {
    try (PreparedStatement find = connection.prepareStatement(RunSql.FIND_ORPHAN)) {
      find.setObject(1, timestamp(now));
      find.setString(2, executorId);
      try (ResultSet row = find.executeQuery()) {
        return row.next() ? Optional.of(orphanRef(row)) : Optional.empty();
      }
    }
  }

  private Optional<TakenOverRun> takeOver(
      Connection connection, OrphanRef ref, String executorId, Instant now, Duration lease)
      throws SQLException {
    try (PreparedStatement update = connection.prepareStatement(RunSql.TAKE_OVER)) {
      update.setString(1, executorId);
      update.setString(2, TakenOverRun.NOT_RETRYABLE_ERROR);
      update.setObject(3, timestamp(now));
      update.setObject(4, timestamp(now.plus(lease)));
      update.setObject(5, ref.runId());
      update.setString(6, ref.executorId());
      update.setLong(7, ref.epoch());
      try (ResultSet row = update.executeQuery()) {
        if (!row.next()) {
          return Optional.empty(); // someone else took it first
        }
        ClaimedRun run = claimedRun(row);
        Disposition disposition =
            switch (row.getString("status")) {
              case "cancelled" -> Disposition.CANCELLED;
              case "failed" -> Disposition.FAILED_NOT_RETRYABLE;
              default -> Disposition.RESUME;
            };
        return Optional.of(new TakenOverRun(run, disposition, ref.leaseExpiresAt()));
      }
    }
  }

  @Override
  public List<LeaseRenewal> renewLeases(
      String executorId, List<ClaimedRun> runs, Instant now, Duration lease) {
    if (runs.isEmpty()) {
      return List.of();
    }
    try (Connection connection = dataSource.getConnection();
        PreparedStatement renew = connection.prepareStatement(RunSql.RENEW_LEASES)) {
      Array runIds =
          connection.createArrayOf("uuid", runs.stream().map(ClaimedRun::runId).toArray());
      Array epochs =
          connection.createArrayOf("bigint", runs.stream().map(ClaimedRun::epoch).toArray());
      renew.setObject(1, timestamp(now.plus(lease)));
      renew.setString(2, executorId);
      renew.setArray(3, runIds);
      renew.setArray(4, epochs);
      List<LeaseRenewal> renewed = new ArrayList<>();
      try (ResultSet rows = renew.executeQuery()) {
        while (rows.next()) {
          renewed.add(
              new LeaseRenewal(
                  rows.getObject("id", UUID.class),
                  rows.getLong("epoch"),
                  rows.getBoolean("cancel_requested")));
        }
      }
      return renewed;
    } catch (SQLException e) {
      throw new RunStoreException("renewing " + runs.size() + " leases of " + executorId, e);
    }
  }

  @Override
  public Optional<ClaimedRun> restart(ClaimedRun run, Instant now, Duration lease) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement restart = connection.prepareStatement(RunSql.RESTART)) {
      restart.setObject(1, timestamp(now.plus(lease)));
      setFence(restart, 2, run);
      try (ResultSet row = restart.executeQuery()) {
        return row.next() ? Optional.of(claimedRun(row)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new RunStoreException("restarting run " + run.runId(), e);
    }
  }

  @Override
  public List<ChatMessage> history(ClaimedRun run) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement history = connection.prepareStatement(RunSql.HISTORY)) {
      history.setString(1, run.threadId().value());
      history.setObject(2, run.runId());
      history.setObject(3, run.runId());
      List<ChatMessage> messages = new ArrayList<>();
      try (ResultSet rows = history.executeQuery()) {
        while (rows.next()) {
          messages.add(new ChatMessage(rows.getString("role"), rows.getString("content")));
        }
      }
      return messages;
    } catch (SQLException e) {
      throw new RunStoreException("reading the history of run " + run.runId(), e);
    }
  }

  @Override
  public Optional<UUID> complete(
      ClaimedRun run, String content, String finishReason, int chunksPublished, Instant now) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement complete = connection.prepareStatement(RunSql.COMPLETE)) {
      complete.setString(1, finishReason);
      complete.setInt(2, chunksPublished);
      complete.setObject(3, timestamp(now));
      setFence(complete, 4, run);
      complete.setObject(7, ids.newId());
      complete.setString(8, content);
      complete.setObject(9, timestamp(now));
      try (ResultSet row = complete.executeQuery()) {
        return row.next() ? Optional.of(row.getObject(1, UUID.class)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new RunStoreException("completing run " + run.runId(), e);
    }
  }

  @Override
  public boolean recordReplyStart(ClaimedRun run, long resetSequence) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement record = connection.prepareStatement(RunSql.RECORD_REPLY_START)) {
      record.setLong(1, resetSequence);
      setFence(record, 2, run);
      return record.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new RunStoreException("recording where run " + run.runId() + " starts its reply", e);
    }
  }

  @Override
  public boolean isLatestStart(ClaimedRun run) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement latest = connection.prepareStatement(RunSql.LATEST_START)) {
      setFence(latest, 1, run);
      try (ResultSet row = latest.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    } catch (SQLException e) {
      throw new RunStoreException("checking that run " + run.runId() + " still owns its thread", e);
    }
  }

  @Override
  public boolean fail(ClaimedRun run, String error, Instant now) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement fail = connection.prepareStatement(RunSql.FAIL)) {
      fail.setString(1, error);
      fail.setObject(2, timestamp(now));
      setFence(fail, 3, run);
      return fail.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new RunStoreException("failing run " + run.runId(), e);
    }
  }

  @Override
  public boolean cancel(ClaimedRun run, Instant now) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement cancel = connection.prepareStatement(RunSql.CANCEL)) {
      cancel.setObject(1, timestamp(now));
      setFence(cancel, 2, run);
      return cancel.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new RunStoreException("cancelling run " + run.runId(), e);
    }
  }

  @Override
  public void registerExecutor(String executorId, Instant now) {
    update(RunSql.REGISTER_EXECUTOR, "registering executor " + executorId, executorId, now, now);
  }

  @Override
  public void heartbeat(String executorId, Instant now) {
    update(RunSql.HEARTBEAT, "heartbeat of executor " + executorId, now, executorId);
  }

  @Override
  public void executorStopped(String executorId, Instant now) {
    update(RunSql.EXECUTOR_STOPPED, "stopping executor " + executorId, now, executorId);
  }

  private void update(String sql, String what, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        Object value =
            parameters[i] instanceof Instant instant ? timestamp(instant) : parameters[i];
        statement.setObject(i + 1, value);
      }
      statement.executeUpdate();
    } catch (SQLException e) {
      throw new RunStoreException(what, e);
    }
  }

  /** Sets {@code id, executor_id, epoch} from {@code index}: the fence of every write. */
  private static void setFence(PreparedStatement statement, int index, ClaimedRun run)
      throws SQLException {
    statement.setObject(index, run.runId());
    statement.setString(index + 1, run.executorId());
    statement.setLong(index + 2, run.epoch());
  }

  private static ClaimedRun claimedRun(ResultSet row) throws SQLException {
    return new ClaimedRun(
        row.getObject("id", UUID.class),
        new ThreadId(row.getString("thread_id")),
        row.getLong("epoch"),
        row.getString("executor_id"),
        row.getString("model"),
        row.getInt("attempts"),
        row.getBoolean("retryable"),
        row.getBoolean("cancel_requested"),
        instant(row, "created_at"));
  }

  private static OrphanRef orphanRef(ResultSet row) throws SQLException {
    return new OrphanRef(
        row.getObject("id", UUID.class),
        row.getString("executor_id"),
        row.getLong("epoch"),
        instant(row, "lease_expires_at"));
  }

  private static Instant instant(ResultSet row, String column) throws SQLException {
    OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static OffsetDateTime timestamp(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  /** A running run as it was when found: the expected values of the takeover's compare-and-set. */
  private record OrphanRef(UUID runId, String executorId, long epoch, Instant leaseExpiresAt) {}
}
