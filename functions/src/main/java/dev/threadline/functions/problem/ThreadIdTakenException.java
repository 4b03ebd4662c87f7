package dev.threadline.functions.problem;

import io.micronaut.http.HttpStatus;

/** 409: a client-chosen thread id is already used by another owner (ids are global). */
public class ThreadIdTakenException extends ApiException {

  public ThreadIdTakenException() {
    super(
        HttpStatus.CONFLICT,
        ProblemTypes.THREAD_ID_TAKEN,
        "id: this thread id is already taken; choose another or omit id to get a generated one");
  }
}
