package dev.threadline.functions.bus;

import dev.threadline.functions.problem.ServiceUnavailableException;

/** NATS/JetStream did not answer: the request gets 503 and may be retried. */
public class BusUnavailableException extends ServiceUnavailableException {
  public BusUnavailableException(String detail, Throwable cause) {
    super(detail, cause);
  }
}
