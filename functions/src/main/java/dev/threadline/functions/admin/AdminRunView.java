package dev.threadline.functions.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.RunOverviewRow;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.UUID;

/**
 * One run in the operator view. Times are ISO-8601 UTC; {@code leaseExpiresInMs} is negative once
 * the lease expired (a survivor takes the run over), {@code executorHeartbeatAgeMs} is the time
 * since the owner's last heartbeat, both by the database's clock.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record AdminRunView(
    String threadId,
    UUID runId,
    String status,
    String executorId,
    long epoch,
    int attempts,
    String createdAt,
    String startedAt,
    String leaseExpiresAt,
    Long leaseExpiresInMs,
    Long executorHeartbeatAgeMs) {

  static AdminRunView of(RunOverviewRow row) {
    return new AdminRunView(
        row.threadId().value(),
        row.runId(),
        row.status().wire(),
        row.executorId(),
        row.epoch(),
        row.attempts(),
        iso(row.createdAt()),
        iso(row.startedAt()),
        iso(row.leaseExpiresAt()),
        row.leaseExpiresInMs(),
        row.executorHeartbeatAgeMs());
  }

  private static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
