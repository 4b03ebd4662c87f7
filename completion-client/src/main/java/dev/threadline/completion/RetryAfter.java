package dev.threadline.completion;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How long a provider asks us to wait: {@code retry-after-ms} (milliseconds, OpenAI and Azure send
 * it), else {@code Retry-After} as delay-seconds or as an HTTP date. Unparseable values count as
 * absent; a date in the past as zero.
 */
final class RetryAfter {

  private RetryAfter() {}

  static Optional<Duration> from(HttpHeaders headers, Instant now) {
    Optional<Duration> millis = headers.firstValue("retry-after-ms").flatMap(v -> number(v, 1));
    if (millis.isPresent()) {
      return millis;
    }
    return headers.firstValue("retry-after").flatMap(v -> parse(v, now));
  }

  /** Parses one {@code Retry-After} value: seconds, or an RFC 1123 date. */
  static Optional<Duration> parse(String value, Instant now) {
    Optional<Duration> seconds = number(value, 1000);
    if (seconds.isPresent()) {
      return seconds;
    }
    try {
      Instant at =
          ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(now, at);
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static Optional<Duration> number(String value, long millisPerUnit) {
    try {
      double amount = Double.parseDouble(value.strip());
      if (Double.isNaN(amount) || Double.isInfinite(amount) || amount < 0) {
        return Optional.empty();
      }
      return Optional.of(
          Duration.ofMillis(Math.round(Math.min(amount * millisPerUnit, 86_400_000d))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
