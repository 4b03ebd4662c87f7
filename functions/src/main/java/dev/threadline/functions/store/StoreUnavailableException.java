package dev.threadline.functions.store;

import dev.threadline.functions.problem.ServiceUnavailableException;

/** PostgreSQL cannot be reached (no connection within the pool's timeout, connection lost): 503. */
public class StoreUnavailableException extends ServiceUnavailableException {
  public StoreUnavailableException(String detail, Throwable cause) {
    super(detail, cause);
  }
}
