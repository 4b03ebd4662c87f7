package dev.threadline.functions.tail;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The reply bus, read side: a thread's subject on JetStream, and the cheap core-NATS signals that
 * let an idle thread go without a consumer.
 */
public interface ReplyTail {

  /** The stream sequence of the subject's last message, 0 when it holds none. */
  long lastSequence(ThreadId threadId);

  /**
   * The sequence of the first message stored on the subject at or after {@code sequence}; empty
   * when there is none.
   *
   * @throws RuntimeException when the broker does not answer
   */
  OptionalLong firstSequenceFrom(ThreadId threadId, long sequence);

  /**
   * The event stored at {@code sequence} if it is on this thread's subject; empty when it is gone
   * (purged), another thread's, unreadable, or the broker does not answer.
   */
  Optional<ReplyEvent> eventAt(ThreadId threadId, long sequence);

  /**
   * Delivers the subject's events in order from {@code startSequence} (1: from the beginning), then
   * live, until the returned subscription is closed, also across broker restarts. Malformed
   * messages are skipped. Delivery runs on a thread shared by all tails: {@code onEvent} must not
   * block.
   */
  Subscription tail(ThreadId threadId, long startSequence, Consumer<TailedEvent> onEvent);

  /**
   * Calls {@code onActivity} (on a shared thread; it must not block) whenever something is
   * published on the thread's subject, without a JetStream consumer: core NATS interest only. A
   * request made after this returns is answered after the server has the interest: what is
   * published later than that answer is signalled.
   *
   * @throws RuntimeException when the broker does not answer
   */
  Watch watch(ThreadId threadId, Runnable onActivity);

  /**
   * Calls {@code onDeleted} (on a shared thread; it must not block) for every thread whose deletion
   * any functions instance announces from now on.
   *
   * @throws RuntimeException when the broker does not answer
   */
  void onThreadDeleted(Consumer<ThreadId> onDeleted);

  /**
   * Calls {@code onReconnected} after each reconnect to the broker (signals may have been lost).
   */
  void onReconnected(Runnable onReconnected);

  /** Closing stops delivery and removes the server-side consumer. Idempotent. */
  interface Subscription extends AutoCloseable {

    /**
     * The stream sequence of the last message read from the subject (delivered, or skipped as
     * malformed); {@code startSequence - 1} before the first.
     */
    long position();

    /**
     * Reads on from {@link #position()} + 1 with a new server-side consumer, for when the current
     * one may be gone (a broker restart) or stuck: nothing is delivered twice or skipped. A no-op
     * once closed.
     *
     * @throws RuntimeException when the broker does not answer; the caller tries again later
     */
    void resume();

    @Override
    void close();
  }

  /** A {@link #watch}; closing removes the interest. Idempotent. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }
}
