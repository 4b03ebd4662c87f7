package dev.threadline.relay.store;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The relay's statements on {@code runs}, {@code messages} and {@code executors}. None is a derived
 * query: each is a fenced compare-and-set, a claim or a locking probe, and its SQL is in {@link
 * RunSql} with why it is shaped so.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface RunRepository extends GenericRepository<RunEntity, UUID> {

  /** A running run as it was when found: the expected values of the takeover's compare-and-set. */
  @Introspected
  record OrphanRow(UUID id, String executorId, long epoch, @Nullable Instant leaseExpiresAt) {}

  /** One message of a run's history. */
  @Introspected
  record HistoryRow(String role, String content) {}

  @Query(RunSql.CLAIM_NEXT)
  @Nullable
  RunEntity claimNext(String executorId, Instant leaseExpiresAt, Instant now);

  @Query(RunSql.FIND_ORPHAN)
  List<OrphanRow> findOrphan(Instant now, String executorId);

  @Query(RunSql.FIND_OWN_RUNNING)
  List<OrphanRow> findOwnRunning(String executorId);

  @Query(RunSql.TAKE_OVER)
  @Nullable
  RunEntity takeOver(
      String executorId,
      String error,
      Instant now,
      Instant leaseExpiresAt,
      UUID runId,
      String previousExecutorId,
      long previousEpoch);

  @Query(RunSql.RESTART)
  @Nullable
  RunEntity restart(Instant leaseExpiresAt, UUID runId, String executorId, long epoch);

  @Query(RunSql.RENEW_LEASES)
  List<RunEntity> renewLeases(
      Instant leaseExpiresAt, String executorId, String[] runIds, long[] epochs);

  @Query(RunSql.HISTORY)
  List<HistoryRow> history(String threadId, UUID runId);

  @Query(RunSql.COMPLETE)
  int complete(
      String finishReason,
      int chunksPublished,
      Instant now,
      UUID runId,
      String executorId,
      long epoch);

  @Query(RunSql.INSERT_ASSISTANT_MESSAGE)
  void insertAssistantMessage(UUID id, String threadId, String content, UUID runId, Instant now);

  @Query(RunSql.RECORD_REPLY_START)
  int recordReplyStart(long resetSequence, UUID runId, String executorId, long epoch);

  @Query(RunSql.LATEST_START)
  boolean isLatestStart(UUID runId, String executorId, long epoch);

  @Query(RunSql.FAIL)
  int fail(String error, Instant now, UUID runId, String executorId, long epoch);

  @Query(RunSql.CANCEL)
  int cancel(Instant now, UUID runId, String executorId, long epoch);

  @Query(RunSql.REGISTER_EXECUTOR)
  void registerExecutor(String executorId, Instant now);

  @Query(RunSql.HEARTBEAT)
  void heartbeat(Instant now, String executorId);

  @Query(RunSql.EXECUTOR_STOPPED)
  void executorStopped(Instant now, String executorId);
}
