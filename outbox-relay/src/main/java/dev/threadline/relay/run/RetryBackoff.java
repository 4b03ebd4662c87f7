package dev.threadline.relay.run;

import dev.threadline.completion.AbortSignal;
import dev.threadline.relay.RelayConfig;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Delays between attempts of a run: exponential with jitter, or the provider's Retry-After. */
@Singleton
public class RetryBackoff {

  private static final Duration LONGEST_RETRY_AFTER = Duration.ofMinutes(2);

  private final Duration base;
  private final Duration max;

  public RetryBackoff(RelayConfig config) {
    this.base = config.backoffBase();
    this.max = config.backoffMax();
  }

  /** The delay after the {@code attempt}-th start failed (1-based). */
  public Duration delayAfter(int attempt, Optional<Duration> retryAfter) {
    if (retryAfter.isPresent() && !retryAfter.get().isNegative()) {
      return retryAfter.get().compareTo(LONGEST_RETRY_AFTER) > 0
          ? LONGEST_RETRY_AFTER
          : retryAfter.get();
    }
    long exponential = base.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
    long capped = Math.min(exponential, max.toMillis());
    // equal jitter: half fixed, half random, so retries of many runs spread out
    return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
  }

  /**
   * Waits {@code delay}, or less when {@code abort} fires.
   *
   * @throws dev.threadline.completion.CompletionAbortedException if it fired
   */
  public void await(Duration delay, AbortSignal abort) {
    CountDownLatch fired = new CountDownLatch(1);
    abort.onAbort(fired::countDown);
    try {
      fired.await(delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort.abort(AbortReasons.SHUTDOWN);
    }
    abort.throwIfAborted();
  }
}
