package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;

/**
 * 422: an Idempotency-Key already answered a request with another body: replaying the first run
 * would silently drop this message, and queueing it would break the key's promise.
 */
public class IdempotencyKeyReusedException extends ApiException {

  public IdempotencyKeyReusedException() {
    super(
        HttpStatus.UNPROCESSABLE_ENTITY,
        ProblemTypes.IDEMPOTENCY_KEY_REUSED,
        "Idempotency-Key: already used on this thread for a request with another content, model"
            + " or retryable; send a new key for a new message");
  }
}
