package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;

/** 503: a dependency (PostgreSQL, NATS) does not answer; the client may retry. */
public class ServiceUnavailableException extends ApiException {

  public ServiceUnavailableException(String detail, Throwable cause) {
    super(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.UNAVAILABLE, detail);
    initCause(cause);
  }
}
