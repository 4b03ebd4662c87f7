package dev.threadline.relay.bus;

import dev.threadline.relay.store.ClaimedRun;

/**
 * The reply bus seam, publishing side: starts a run's reply on its thread's subject.
 *
 * <p>Starting purges the subject and publishes {@code reset} expecting an empty subject; every
 * later publish of the returned {@link RunReply} expects the subject's last sequence to be its own
 * previous one. A newer epoch's start breaks that chain, so a stale executor's publishes are
 * refused by the broker ({@link FencedOutException}).
 */
public interface ReplyPublisher {

  /** Purges the thread's subject and publishes {@code reset} for the run's epoch. */
  RunReply start(ClaimedRun run);
}
