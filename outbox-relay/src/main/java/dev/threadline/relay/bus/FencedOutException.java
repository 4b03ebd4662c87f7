package dev.threadline.relay.bus;

/** The broker refused a publish because a newer epoch of the run owns the subject now. */
public class FencedOutException extends RuntimeException {
  public FencedOutException(String message, Throwable cause) {
    super(message, cause);
  }
}
