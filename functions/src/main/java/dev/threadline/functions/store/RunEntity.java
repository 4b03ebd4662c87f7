package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A {@code runs} row (the outbox) as functions read it; status is its wire value. */
@MappedEntity("runs")
public record RunEntity(
    @Id UUID id,
    String threadId,
    @Nullable Long seq,
    String status,
    String model,
    boolean retryable,
    int attempts,
    long epoch,
    @Nullable String executorId,
    @Nullable Instant leaseExpiresAt,
    boolean cancelRequested,
    @Nullable String idempotencyKey,
    @Nullable String error,
    @Nullable String finishReason,
    @Nullable Integer chunksPublished,
    Instant createdAt,
    @Nullable Instant startedAt,
    @Nullable Instant finishedAt) {

  RunRow row() {
    return new RunRow(
        id,
        new ThreadId(threadId),
        RunStatus.fromWire(status),
        attempts,
        epoch,
        executorId,
        error,
        retryable);
  }
}
