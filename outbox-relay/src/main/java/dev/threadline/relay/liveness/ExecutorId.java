package dev.threadline.relay.liveness;

import java.util.regex.Pattern;

/** This relay's stable identity: owner of its runs across restarts, key of its liveness lock. */
public record ExecutorId(String value) {

  private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  public ExecutorId {
    if (value == null || !PATTERN.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "EXECUTOR_ID (or POD_NAME) must match " + PATTERN.pattern() + ", was '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
