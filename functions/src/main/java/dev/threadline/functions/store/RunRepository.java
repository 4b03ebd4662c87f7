package dev.threadline.functions.store;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code runs} table (the outbox) as functions write and read it; SQL in {@link StoreSql}. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface RunRepository extends GenericRepository<RunEntity, UUID> {

  /** The earlier request under an idempotency key: its run and what it asked for. */
  @Introspected
  record FirstRequest(UUID runId, @Nullable String content, String model, boolean retryable) {}

  /** A run with its assistant message, and how long ago (database clock) it finished. */
  @Introspected
  record RunStateEntry(
      String status,
      long epoch,
      @Nullable String error,
      @Nullable String finishReason,
      @Nullable UUID assistantMessageId,
      @Nullable String assistantContent,
      @Nullable Long finishedAgoMs) {}

  /** A run that ran and ended, with its state: what a stream missed while its tail was held up. */
  @Introspected
  record EndedRunEntry(
      UUID id,
      String status,
      long epoch,
      @Nullable String error,
      @Nullable String finishReason,
      @Nullable UUID assistantMessageId,
      @Nullable String assistantContent,
      @Nullable Long finishedAgoMs) {}

  /** A run for operators, with its lease and its owner's heartbeat aged by the database clock. */
  @Introspected
  record RunOverviewEntry(
      UUID id,
      String threadId,
      String status,
      @Nullable String executorId,
      long epoch,
      int attempts,
      Instant createdAt,
      @Nullable Instant startedAt,
      @Nullable Instant leaseExpiresAt,
      @Nullable Long leaseExpiresInMs,
      @Nullable Long executorHeartbeatAgeMs) {}

  @Query(StoreSql.LOCK_OWNER)
  Boolean lockOwner(String owner);

  @Query(StoreSql.FIRST_REQUEST)
  Optional<FirstRequest> findFirstRequest(String threadId, String key);

  @Query(StoreSql.ACTIVE_RUN)
  Optional<UUID> findActiveRunId(String threadId);

  @Query(StoreSql.OWNED_RUN)
  Optional<RunEntity> findOwned(UUID runId, String threadId, String owner);

  @Query(StoreSql.OWNED_RUN_FOR_UPDATE)
  Optional<RunEntity> findOwnedLocked(UUID runId, String threadId, String owner);

  @Query(StoreSql.RUN_STATE)
  Optional<RunStateEntry> findState(UUID runId, String threadId);

  @Query(StoreSql.ENDED_RUNS_BETWEEN)
  List<EndedRunEntry> findEndedBetween(String threadId, UUID after, UUID before);

  @Query(StoreSql.RUN_AT_SEQUENCE)
  Optional<UUID> findRunAtSequence(String threadId, long sequence);

  @Query(StoreSql.RUNS_BY_STATUS)
  List<RunOverviewEntry> findOverview(String status, int limit);

  @Query(StoreSql.CANCEL_QUEUED)
  int cancelQueued(UUID runId, Instant now);

  @Query(StoreSql.REQUEST_CANCEL)
  int requestCancel(UUID runId);

  @Query(StoreSql.LOCK_RUNS_OF_THREAD)
  List<RunEntity> lockRunsOfThread(String threadId);

  void deleteByThreadId(String threadId);

  @Query(StoreSql.NOTIFY)
  Boolean sendNotification(String channel, String payload);
}
