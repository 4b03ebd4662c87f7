package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;
import java.time.Duration;

/** A refusal the client may try again after a while: answered with {@code Retry-After}. */
public abstract class RetryLaterException extends ApiException {

  private final Duration retryAfter;

  protected RetryLaterException(
      HttpStatus status, String type, String detail, Duration retryAfter) {
    super(status, type, detail);
    this.retryAfter = retryAfter;
  }

  @Override
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Whole seconds, at least 1. */
  public long retryAfterSeconds() {
    return Math.max(1, retryAfter.toSeconds());
  }
}
