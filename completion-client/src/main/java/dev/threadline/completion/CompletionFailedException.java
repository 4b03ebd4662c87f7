package dev.threadline.completion;

import java.time.Duration;
import java.util.Optional;

/**
 * The provider could not give a complete answer. {@link #transientFailure()} tells whether the same
 * request may succeed later (connect failure, timeout, idle stream, 429, 5xx, a stream cut before
 * {@code [DONE]}); other failures (401, 400, 404, ...) will not.
 */
public class CompletionFailedException extends RuntimeException {

  private final FailureReason reason;
  private final int httpStatus;
  private final Duration retryAfter;

  /** A failure whose reason follows from its status and transience. */
  public CompletionFailedException(
      String message,
      boolean transientFailure,
      int httpStatus,
      Duration retryAfter,
      Throwable cause) {
    this(
        message,
        FailureReason.ofStatus(httpStatus, transientFailure),
        httpStatus,
        retryAfter,
        cause);
  }

  /**
   * @param message the detail, for the log: it may name the provider's URL and quote its message
   */
  public CompletionFailedException(
      String message, FailureReason reason, int httpStatus, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.reason = java.util.Objects.requireNonNull(reason, "reason");
    this.httpStatus = httpStatus;
    this.retryAfter = retryAfter;
  }

  public boolean transientFailure() {
    return reason.transientFailure();
  }

  /** What kind of failure this is, safe to tell a client. */
  public FailureReason reason() {
    return reason;
  }

  /**
   * The HTTP status when the status itself was the failure (401, 429, 503, ...); 0 when the failure
   * was not an HTTP answer (connect failure, timeout, stall, a stream cut or malformed after a
   * 2xx).
   */
  public int httpStatus() {
    return httpStatus;
  }

  /** The provider's {@code Retry-After}, when it sent one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
