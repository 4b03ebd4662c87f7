package dev.threadline.functions.server;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code THREADLINE_HEADER_TIMEOUT} (default 30s, 100ms to 10m): how long a connection may take to
 * send a request's headers, counted from its first byte (or from the connect). A client that
 * trickles them (slowloris) is cut, whatever bytes it keeps sending; an open response, an SSE
 * stream above all, is never timed by it. Validated at start-up.
 */
@Context
public record HeaderTimeout(Duration value) {

  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m)");

  public HeaderTimeout {
    if (value == null
        || value.compareTo(Duration.ofMillis(100)) < 0
        || value.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalStateException("THREADLINE_HEADER_TIMEOUT must be between 100ms and 10m");
    }
  }

  @Inject
  public HeaderTimeout(@Value("${threadline.header-timeout:30s}") String value) {
    this(parse(value));
  }

  private static Duration parse(String text) {
    String value = text.trim();
    Matcher simple = SIMPLE.matcher(value);
    try {
      if (simple.matches()) {
        long amount = Long.parseLong(simple.group(1));
        return switch (simple.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          default -> Duration.ofMinutes(amount);
        };
      }
      return Duration.parse(value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalStateException(
          "THREADLINE_HEADER_TIMEOUT must be a duration such as 30s, 500ms or 1m, not '"
              + text
              + "'");
    }
  }
}
