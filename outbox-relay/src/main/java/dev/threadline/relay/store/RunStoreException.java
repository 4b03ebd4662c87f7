package dev.threadline.relay.store;

/** The database could not be asked (connection refused, SQL error): not a lost race. */
public class RunStoreException extends RuntimeException {
  public RunStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
