package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;
import java.time.Duration;

/** 429: a limit of this service is reached; the client may retry after {@code retryAfter}. */
public class TooManyRequestsException extends RetryLaterException {

  public TooManyRequestsException(String detail, Duration retryAfter) {
    super(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.LIMIT_REACHED, detail, retryAfter);
  }
}
