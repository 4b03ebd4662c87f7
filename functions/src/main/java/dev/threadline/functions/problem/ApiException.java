package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;
import java.time.Duration;

/** A request that must be refused with a problem body; subclasses name the condition. */
public abstract class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String type;

  protected ApiException(HttpStatus status, String type, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
  }

  public HttpStatus status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String detail() {
    return getMessage();
  }

  /** How long the client should wait before retrying (a {@code Retry-After} header), or null. */
  public Duration retryAfter() {
    return null;
  }
}
