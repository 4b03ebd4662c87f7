package dev.threadline.relay.bus;

import java.util.UUID;

/**
 * One epoch's reply of one run, fenced: each method publishes one event and waits for the broker's
 * acknowledgement. An event whose publish failed may be published again by calling the method again
 * with the same arguments (from one thread at a time): it carries the same {@code Nats-Msg-Id}, so
 * the broker stores it once within its duplicate window.
 *
 * @throws FencedOutException (from any method) a newer epoch owns the subject
 * @throws ReplyPublishException (from any method) the broker could not be reached in time
 */
public interface RunReply {

  /** {@code index} counts from 0 within the epoch. */
  void chunk(int index, String delta);

  void done(UUID messageId, String finishReason);

  /**
   * @param message generic and stable, never a provider's text
   * @param code the failure's kind for programs, e.g. {@code provider_unavailable}
   */
  void error(String message, String code, boolean retryable);

  void cancelled();

  /** How many chunks this epoch published. */
  int chunksPublished();

  /** The stream sequence of this epoch's reset: where its reply starts on the subject. */
  long resetSequence();
}
