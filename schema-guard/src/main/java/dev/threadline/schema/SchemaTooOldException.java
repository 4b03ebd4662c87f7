package dev.threadline.schema;

/** The database is not (yet) migrated to the version this build needs. */
public class SchemaTooOldException extends RuntimeException {
  public SchemaTooOldException(String message) {
    super(message);
  }

  public SchemaTooOldException(String message, Throwable cause) {
    super(message, cause);
  }
}
