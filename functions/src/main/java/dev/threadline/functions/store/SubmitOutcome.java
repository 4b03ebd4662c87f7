package dev.threadline.functions.store;

import java.util.UUID;

/**
 * Submitting a message: written now, already written under the same idempotency key, or no thread.
 */
public sealed interface SubmitOutcome {
  record Accepted(UUID runId) implements SubmitOutcome {}

  /** The idempotency key was used before: nothing was written, this is the first run. */
  record Replayed(UUID runId) implements SubmitOutcome {}

  /** The idempotency key was used before for another request: nothing was written. */
  record KeyReused() implements SubmitOutcome {}

  /** The owner already has {@code limit} queued or running runs: nothing was written. */
  record OverQuota(int limit) implements SubmitOutcome {}

  /** No such thread for this owner: nothing was written. */
  record NoSuchThread() implements SubmitOutcome {}
}
