package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;
import java.time.Duration;

/**
 * A request that must be refused with a problem body; subclasses name the condition. The {@code
 * detail} goes to the client; the exception's message may say more, for the log only.
 */
public abstract class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String type;
  private final String detail;

  protected ApiException(HttpStatus status, String type, String detail) {
    this(status, type, detail, detail, null);
  }

  /**
   * @param detail what the client reads: never a URL, a credential or a dependency's message
   * @param internal what the log reads (with credentials in URLs masked, {@link LogRedaction})
   */
  protected ApiException(
      HttpStatus status, String type, String detail, String internal, Throwable cause) {
    super(internal, cause);
    this.status = status;
    this.type = type;
    this.detail = detail;
  }

  public HttpStatus status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String detail() {
    return detail;
  }

  /** How long the client should wait before retrying (a {@code Retry-After} header), or null. */
  public Duration retryAfter() {
    return null;
  }
}
