package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.util.Objects;
import java.util.UUID;

/**
 * A user message and the run that answers it, to be written in one transaction.
 *
 * @param retryable false: the run has effects outside and must fail rather than run twice (lesson
 *     10); the relay then neither replays it after a crash nor retries its transient failures
 * @param maxActiveRuns the most queued or running runs the owner may have once this one is queued
 *     ({@code THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER})
 */
public record NewSubmission(
    ThreadId threadId,
    String owner,
    UUID runId,
    UUID messageId,
    String content,
    String model,
    String idempotencyKey,
    boolean retryable,
    int maxActiveRuns) {
  public NewSubmission {
    Objects.requireNonNull(threadId, "threadId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(model, "model");
    if (maxActiveRuns < 1) {
      throw new IllegalArgumentException("maxActiveRuns must be at least 1");
    }
  }

  /** A submission with no practical limit on the owner's active runs. */
  public NewSubmission(
      ThreadId threadId,
      String owner,
      UUID runId,
      UUID messageId,
      String content,
      String model,
      String idempotencyKey,
      boolean retryable) {
    this(
        threadId,
        owner,
        runId,
        messageId,
        content,
        model,
        idempotencyKey,
        retryable,
        Integer.MAX_VALUE);
  }

  /** Whether an earlier request under the same key asked for exactly this. */
  boolean sameRequestAs(String content, String model, boolean retryable) {
    return this.content.equals(content) && this.model.equals(model) && this.retryable == retryable;
  }
}
