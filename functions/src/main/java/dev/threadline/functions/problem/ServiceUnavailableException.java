package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;

/**
 * 503: a dependency (PostgreSQL, NATS) does not answer; the client may retry. The client reads one
 * stable detail: what was tried and why it failed (a URL that may hold credentials, a driver's
 * message) goes to the log only.
 */
public class ServiceUnavailableException extends ApiException {

  public static final String DETAIL =
      "a service this request needs is unavailable; retry in a few seconds";

  /**
   * @param internal what was being done and what failed, for the log (its credentials masked here,
   *     so whoever logs the message cannot leak them)
   */
  public ServiceUnavailableException(String internal, Throwable cause) {
    super(
        HttpStatus.SERVICE_UNAVAILABLE,
        ProblemTypes.UNAVAILABLE,
        DETAIL,
        LogRedaction.redact(internal),
        cause);
  }
}
