package dev.threadline.relay.store;

import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/**
 * A {@code runs} row as the relay reads it back from its claims and takeovers: the columns {@link
 * RunSql}'s statements return.
 */
@MappedEntity("runs")
public record RunEntity(
    @Id UUID id,
    String threadId,
    long epoch,
    @Nullable String executorId,
    String model,
    int attempts,
    boolean retryable,
    boolean cancelRequested,
    String status,
    Instant createdAt) {

  ClaimedRun claimed() {
    return new ClaimedRun(
        id,
        new ThreadId(threadId),
        epoch,
        executorId,
        model,
        attempts,
        retryable,
        cancelRequested,
        createdAt);
  }
}
