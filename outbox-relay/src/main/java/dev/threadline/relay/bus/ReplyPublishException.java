package dev.threadline.relay.bus;

/** A reply event could not be published (broker unreachable, timed out) after retrying. */
public class ReplyPublishException extends RuntimeException {
  public ReplyPublishException(String message, Throwable cause) {
    super(message, cause);
  }
}
