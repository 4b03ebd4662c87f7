package dev.threadline.functions.store;

/** The database refused or failed an operation; the message says which. */
public class ThreadStoreException extends RuntimeException {
  public ThreadStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
