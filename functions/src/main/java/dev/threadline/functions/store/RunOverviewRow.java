package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A run as an operator sees it, read across all owners. Ages are measured by the database's clock,
 * the one all relays write leases with.
 *
 * @param leaseExpiresInMs milliseconds until the lease expires (negative: expired), null if none
 * @param executorHeartbeatAgeMs milliseconds since the owner's last heartbeat, null if unknown
 */
public record RunOverviewRow(
    UUID runId,
    ThreadId threadId,
    RunStatus status,
    String executorId,
    long epoch,
    int attempts,
    Instant createdAt,
    Instant startedAt,
    Instant leaseExpiresAt,
    Long leaseExpiresInMs,
    Long executorHeartbeatAgeMs) {

  public RunOverviewRow {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(threadId, "threadId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
