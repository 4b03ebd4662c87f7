package dev.threadline.relay.run;

import dev.threadline.completion.FailureReason;
import java.util.Objects;

/**
 * What a run's row ({@code runs.error}) and its clients ({@code error} event) are told of a
 * failure: a stable code and a generic message. Never a provider's URL or text, nor exception text:
 * those go to the log, with the run's ids.
 */
record RunFailure(String code, String message) {

  static final RunFailure BUS_UNAVAILABLE =
      new RunFailure("bus_unavailable", "the message bus is unavailable");
  static final RunFailure RELAY_FAILURE =
      new RunFailure("relay_failure", "the relay failed unexpectedly");
  static final RunFailure ATTEMPTS_EXHAUSTED =
      new RunFailure("attempts_exhausted", "the run used up its attempts");

  RunFailure {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  static RunFailure of(FailureReason reason) {
    return switch (reason) {
      case UNAVAILABLE ->
          new RunFailure("provider_unavailable", "the model provider is unavailable");
      case RATE_LIMITED ->
          new RunFailure("provider_rate_limited", "the model provider is rate limiting requests");
      case TIMED_OUT -> new RunFailure("timeout", "the model call took too long");
      case CONTENT_FILTERED ->
          new RunFailure(
              "content_filtered",
              "the model provider refused the request under its content policy");
      case INVALID_REQUEST ->
          new RunFailure("invalid_request", "the model provider rejected the request as invalid");
      case REFUSED -> new RunFailure("provider_refused", "the model provider refused the request");
    };
  }

  /** The last failure of a run that used up its attempts. */
  RunFailure afterAttempts(int attempts) {
    return new RunFailure(code, message + " (gave up after " + attempts + " attempts)");
  }

  /** A failure that is not retried because the run may not run twice. */
  RunFailure notRetryable() {
    return new RunFailure(code, message + " (the run is not retryable)");
  }
}
