package dev.threadline.relay.run;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bounds of every model call, validated at start-up with messages that name the variable.
 *
 * @param runTimeout {@code THREADLINE_RUN_TIMEOUT}: one attempt's total deadline; reaching it fails
 *     the attempt as transient (retried with backoff)
 * @param maxReplyChars {@code THREADLINE_MAX_REPLY_CHARS}: past it the run completes with what it
 *     has and finish reason {@code length}
 * @param historyMaxChars {@code THREADLINE_HISTORY_MAX_CHARS}: the history window sent to the model
 */
public record RunLimits(Duration runTimeout, int maxReplyChars, int historyMaxChars) {

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  public static final RunLimits DEFAULTS = new RunLimits(Duration.ofMinutes(10), 200_000, 100_000);

  public RunLimits {
    if (runTimeout == null || runTimeout.isZero() || runTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "THREADLINE_RUN_TIMEOUT must be a positive duration, was " + runTimeout);
    }
    if (maxReplyChars < 1) {
      throw new IllegalArgumentException(
          "THREADLINE_MAX_REPLY_CHARS must be at least 1, was " + maxReplyChars);
    }
    if (historyMaxChars < 1) {
      throw new IllegalArgumentException(
          "THREADLINE_HISTORY_MAX_CHARS must be at least 1, was " + historyMaxChars);
    }
  }

  /** From the raw values of the three variables ({@code 10m}, {@code 90s}, {@code PT10M}...). */
  public static RunLimits parse(String runTimeout, String maxReplyChars, String historyMaxChars) {
    return new RunLimits(
        duration(runTimeout, "THREADLINE_RUN_TIMEOUT"),
        count(maxReplyChars, "THREADLINE_MAX_REPLY_CHARS"),
        count(historyMaxChars, "THREADLINE_HISTORY_MAX_CHARS"));
  }

  private static Duration duration(String raw, String variable) {
    String value = raw == null ? "" : raw.strip().toLowerCase(Locale.ROOT);
    Matcher shortForm = SHORT_DURATION.matcher(value);
    try {
      if (shortForm.matches()) {
        long amount = Long.parseLong(shortForm.group(1));
        return switch (shortForm.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
      }
      return Duration.parse(value.toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          variable + " must be a duration such as 10m, 90s or PT10M, was '" + raw + "'", e);
    }
  }

  private static int count(String raw, String variable) {
    try {
      return Integer.parseInt(raw == null ? "" : raw.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          variable + " must be a whole number of characters, was '" + raw + "'", e);
    }
  }
}
