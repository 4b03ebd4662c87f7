package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;

/**
 * 404: no such thread or run, or it belongs to another owner. The body is the same as that of an
 * unknown route, so a thread's existence never leaks to other owners.
 */
public class NotFoundException extends ApiException {

  public NotFoundException() {
    super(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, ProblemTypes.NOT_FOUND_DETAIL);
  }
}
