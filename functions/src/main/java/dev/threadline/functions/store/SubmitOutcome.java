package dev.threadline.functions.store;

import java.util.UUID;

/**
 * Submitting a message: written now, already written under the same idempotency key, or no thread.
 */
public sealed interface SubmitOutcome {
  record Accepted(UUID runId) implements SubmitOutcome {}

  /** The idempotency key was used before: nothing was written, this is the first run. */
  record Replayed(UUID runId) implements SubmitOutcome {}

  /** No such thread for this owner: nothing was written. */
  record NoSuchThread() implements SubmitOutcome {}
}
