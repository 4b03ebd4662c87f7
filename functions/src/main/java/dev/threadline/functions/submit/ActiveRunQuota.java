package dev.threadline.functions.submit;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * {@code THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER} (default 20): the queued or running runs one owner
 * may have; a submit past it gets 429. Validated at start-up.
 *
 * @param maxActiveRuns at least 1
 * @param retryAfter what a refused client is told to wait: about the time a short run takes
 */
@Context
public record ActiveRunQuota(int maxActiveRuns, Duration retryAfter) {

  public static final int MAX = 100_000;

  public ActiveRunQuota {
    if (maxActiveRuns < 1 || maxActiveRuns > MAX) {
      throw new IllegalStateException(
          "THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER must be between 1 and " + MAX);
    }
  }

  @Inject
  public ActiveRunQuota(@Value("${threadline.max-active-runs-per-owner:20}") String value) {
    this(parse(value), Duration.ofSeconds(5));
  }

  private static int parse(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER must be a whole number, not '" + value + "'");
    }
  }
}
