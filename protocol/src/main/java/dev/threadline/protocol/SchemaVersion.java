package dev.threadline.protocol;

/**
 * The schema version this build's code needs. The migrations module's test fails when its newest
 * migration and this number disagree, so a new migration cannot ship without raising it.
 */
public final class SchemaVersion {
  public static final int REQUIRED = 4;

  private SchemaVersion() {}
}
