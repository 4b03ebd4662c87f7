package dev.threadline.relay.bus;

import dev.threadline.relay.store.ClaimedRun;

/**
 * The reply bus seam, publishing side: starts a run's reply on its thread's subject.
 *
 * <p>Starting publishes {@code reset} expecting the subject's last sequence as read just before
 * (after {@code owner} confirmed the run is still ours), then purges what lies below the reset;
 * every later publish of the returned {@link RunReply} expects the subject's last sequence to be
 * its own previous one. Any other start or publish in between moves the sequence on, so a stale
 * executor's publishes, its reset included, are refused by the broker ({@link FencedOutException}).
 */
public interface ReplyPublisher {

  /**
   * Publishes {@code reset} for the run's epoch and purges the older events of the thread.
   *
   * @throws FencedOutException the run is no longer ours, or another start got in first
   */
  RunReply start(ClaimedRun run, OwnershipCheck owner);
}
