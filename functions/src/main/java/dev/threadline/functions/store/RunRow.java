package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.util.Objects;
import java.util.UUID;

public record RunRow(
    UUID id,
    ThreadId threadId,
    RunStatus status,
    int attempts,
    long epoch,
    String executorId,
    String error,
    boolean retryable) {
  public RunRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(threadId, "threadId");
    Objects.requireNonNull(status, "status");
  }
}
