package dev.threadline.functions.stream;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import java.util.Optional;
import java.util.function.Consumer;

/** The reply bus, read side: a thread's subject on JetStream. */
public interface ReplyTail {

  /** The stream sequence of the subject's last message, 0 when it holds none. */
  long lastSequence(ThreadId threadId);

  /**
   * The event stored at {@code sequence} if it is on this thread's subject; empty when it is gone
   * (purged), another thread's, unreadable, or the broker does not answer.
   */
  Optional<ReplyEvent> eventAt(ThreadId threadId, long sequence);

  /**
   * Delivers the subject's events in order from {@code startSequence} (1: from the beginning), then
   * live, until the returned subscription is closed, also across broker restarts. Malformed
   * messages are skipped.
   */
  Subscription tail(ThreadId threadId, long startSequence, Consumer<TailedEvent> onEvent);

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
}
