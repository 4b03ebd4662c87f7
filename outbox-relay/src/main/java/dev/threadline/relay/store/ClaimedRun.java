package dev.threadline.relay.store;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A run this executor owns at {@code epoch}. Every write about it is fenced on (run, executor,
 * epoch): when another executor has taken it over, the write changes nothing.
 *
 * @param attempts how many times the run was started, this start included
 * @param retryable false: after a crash or retryable failure it must fail, not run again
 * @param cancelRequested the owner of the thread asked to cancel it
 * @param createdAt when the run was submitted (its row's {@code created_at}); null when unknown
 */
public record ClaimedRun(
    UUID runId,
    ThreadId threadId,
    long epoch,
    String executorId,
    String model,
    int attempts,
    boolean retryable,
    boolean cancelRequested,
    Instant createdAt) {

  public ClaimedRun {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(threadId, "threadId");
    Objects.requireNonNull(executorId, "executorId");
    Objects.requireNonNull(model, "model");
    if (epoch < 1) {
      throw new IllegalArgumentException("a claimed run has epoch >= 1");
    }
  }
}
