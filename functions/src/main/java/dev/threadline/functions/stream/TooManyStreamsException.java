package dev.threadline.functions.stream;

import dev.threadline.functions.problem.ProblemTypes;
import dev.threadline.functions.problem.RetryLaterException;
import io.micronaut.http.HttpStatus;
import java.time.Duration;

/**
 * 429: the owner has as many streams open on this instance as it may; 503: this instance has, and a
 * load balancer tries another.
 */
public class TooManyStreamsException extends RetryLaterException {

  private TooManyStreamsException(HttpStatus status, String detail, Duration retryAfter) {
    super(status, ProblemTypes.TOO_MANY_STREAMS, detail, retryAfter);
  }

  static TooManyStreamsException perOwner(int limit, Duration retryAfter) {
    return new TooManyStreamsException(
        HttpStatus.TOO_MANY_REQUESTS,
        "streams: at most " + limit + " open streams per owner (THREADLINE_MAX_STREAMS_PER_OWNER)",
        retryAfter);
  }

  static TooManyStreamsException perInstance(Duration retryAfter) {
    return new TooManyStreamsException(
        HttpStatus.SERVICE_UNAVAILABLE,
        "streams: this instance serves as many streams as it may; try again",
        retryAfter);
  }
}
