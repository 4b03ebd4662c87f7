package dev.threadline.relay.bus;

import dev.threadline.relay.store.ClaimedRun;

/**
 * Observes the steps of a reply's start, for tests that pause an owner between them (as a stopped
 * process would be paused). Production uses {@link #NONE}.
 */
public interface ReplyStartListener {

  ReplyStartListener NONE = new ReplyStartListener() {};

  /** Ownership was confirmed after reading the subject's last sequence; reset not published. */
  default void ownershipConfirmed(ClaimedRun run, long lastSequence) {}

  /** {@code reset} is stored at {@code sequence}; what came before it is not purged yet. */
  default void resetPublished(ClaimedRun run, long sequence) {}
}
