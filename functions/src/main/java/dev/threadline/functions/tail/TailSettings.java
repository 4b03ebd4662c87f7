package dev.threadline.functions.tail;

import java.time.Duration;

/**
 * How a thread's tail behaves.
 *
 * @param runCheckInterval bus silence, while a client waits for a run's end, after which the run's
 *     row is read (once per thread) and the tail compared with the subject; and how often again
 * @param terminalGrace how long a row must have been terminal before its end is synthesised
 * @param linger how long a tail with no client left (or whose clients all wait for a next run)
 *     keeps its JetStream consumer, so that a reconnect finds it warm
 * @param memoryChars the bound of the events kept in memory per tail (about one run's reply)
 */
public record TailSettings(
    Duration runCheckInterval, Duration terminalGrace, Duration linger, long memoryChars) {
  public TailSettings {
    if (runCheckInterval == null || runCheckInterval.isNegative() || runCheckInterval.isZero()) {
      throw new IllegalArgumentException("runCheckInterval must be > 0");
    }
    if (terminalGrace == null || terminalGrace.isNegative()) {
      throw new IllegalArgumentException("terminalGrace must be >= 0");
    }
    if (linger == null || linger.isNegative()) {
      throw new IllegalArgumentException("linger must be >= 0");
    }
    if (memoryChars < 1) {
      throw new IllegalArgumentException("memoryChars must be >= 1");
    }
  }
}
