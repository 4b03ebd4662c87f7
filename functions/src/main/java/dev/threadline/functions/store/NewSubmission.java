package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.util.Objects;
import java.util.UUID;

/** A user message and the run that answers it, to be written in one transaction. */
public record NewSubmission(
    ThreadId threadId,
    String owner,
    UUID runId,
    UUID messageId,
    String content,
    String model,
    String idempotencyKey) {
  public NewSubmission {
    Objects.requireNonNull(threadId, "threadId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(model, "model");
  }
}
