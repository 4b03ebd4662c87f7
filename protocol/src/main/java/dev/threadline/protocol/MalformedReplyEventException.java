package dev.threadline.protocol;

/** A message on a reply subject that is not a reply event this build understands. */
public class MalformedReplyEventException extends RuntimeException {
  public MalformedReplyEventException(String message) {
    super(message);
  }

  public MalformedReplyEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
