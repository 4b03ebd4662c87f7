package dev.threadline.protocol;

import java.util.regex.Pattern;

/**
 * A thread's id. Ids become NATS subject tokens, so the pattern keeps out {@code .}, {@code *},
 * {@code >} and whitespace: a subject can never be widened by user input.
 */
public record ThreadId(String value) {

  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public ThreadId {
    if (!isValid(value)) {
      throw new IllegalArgumentException("thread id must match " + PATTERN.pattern());
    }
  }

  public static boolean isValid(String candidate) {
    return candidate != null && PATTERN.matcher(candidate).matches();
  }

  @Override
  public String toString() {
    return value;
  }
}
