package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;

/** 400: a field, header or path segment is malformed; {@code detail} names it. */
public class InvalidRequestException extends ApiException {

  private final String field;

  public InvalidRequestException(String field, String detail) {
    super(HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_REQUEST, field + ": " + detail);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
