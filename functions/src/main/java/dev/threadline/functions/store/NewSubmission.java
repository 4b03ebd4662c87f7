package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.util.Objects;
import java.util.UUID;

/**
 * A user message and the run that answers it, to be written in one transaction.
 *
 * @param retryable false: the run has effects outside and must fail rather than run twice (lesson
 *     10); the relay then neither replays it after a crash nor retries its transient failures
 */
public record NewSubmission(
    ThreadId threadId,
    String owner,
    UUID runId,
    UUID messageId,
    String content,
    String model,
    String idempotencyKey,
    boolean retryable) {
  public NewSubmission {
    Objects.requireNonNull(threadId, "threadId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(model, "model");
  }
}
