package dev.threadline.relay.liveness;

/** The executor's liveness lock is held by another live process: refuse to run as it. */
public class ExecutorIdInUseException extends RuntimeException {
  public ExecutorIdInUseException(String message) {
    super(message);
  }
}
