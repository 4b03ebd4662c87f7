package dev.threadline.functions.wakeup;

import dev.threadline.protocol.ThreadId;

/**
 * The port through which a submit wakes the relays. The store calls it inside the transaction that
 * queues the run (before the owner's lock, to keep that short); each adapter takes effect only if
 * that transaction commits: {@code notify} raises {@code pg_notify} in it, {@code nats} publishes
 * after the commit, {@code none} does nothing ({@code THREADLINE_SUBMIT_WAKE_UP} picks one). A lost
 * wake-up costs at most one relay poll.
 */
public interface RunWakeUp {

  /**
   * The current transaction queues a run of {@code threadId}: wake the relays if, and once, it
   * commits. Must never fail the transaction.
   */
  void runQueued(ThreadId threadId);
}
