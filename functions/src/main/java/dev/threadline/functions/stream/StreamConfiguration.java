package dev.threadline.functions.stream;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code threadline.stream.*}: the SSE endpoint's settings.
 *
 * @param pingInterval how often {@code : ping} goes out (at most 15 s, contract 5)
 * @param runCheckInterval how long the bus may be silent while a run is followed before the run's
 *     status is read from PostgreSQL (and then how often it is read again)
 * @param terminalGrace how long a run must have been terminal in PostgreSQL before its terminal
 *     event is synthesised from the row: the real event normally follows the commit within
 *     milliseconds
 * @param maxBufferedEvents events held for a client that does not read; past it the client's stream
 *     ends (it reconnects with Last-Event-ID and loses nothing)
 * @param tailLinger how long a thread's tail outlives its last client (or, while every client waits
 *     for a next run, keeps its JetStream consumer), so that a reconnect finds it warm
 * @param tailMemoryChars the characters of a run's reply a thread's tail keeps in memory for late
 *     attachers (beyond it they read JetStream)
 */
@ConfigurationProperties("threadline.stream")
public record StreamConfiguration(
    @Bindable(defaultValue = "15s") Duration pingInterval,
    @Bindable(defaultValue = "2s") Duration runCheckInterval,
    @Bindable(defaultValue = "2s") Duration terminalGrace,
    @Bindable(defaultValue = "1024") int maxBufferedEvents,
    @Bindable(defaultValue = "5s") Duration tailLinger,
    @Bindable(defaultValue = "1000000") long tailMemoryChars) {
  public StreamConfiguration {
    if (pingInterval == null
        || pingInterval.isNegative()
        || pingInterval.isZero()
        || pingInterval.compareTo(Duration.ofSeconds(15)) > 0) {
      throw new IllegalArgumentException(
          "threadline.stream.ping-interval (THREADLINE_STREAM_PING_INTERVAL) must be > 0 and <= 15s");
    }
    if (runCheckInterval == null
        || runCheckInterval.compareTo(Duration.ofMillis(100)) < 0
        || runCheckInterval.compareTo(Duration.ofSeconds(15)) > 0) {
      throw new IllegalArgumentException(
          "threadline.stream.run-check-interval (THREADLINE_STREAM_RUN_CHECK_INTERVAL)"
              + " must be between 100ms and 15s");
    }
    if (terminalGrace == null
        || terminalGrace.isNegative()
        || terminalGrace.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "threadline.stream.terminal-grace (THREADLINE_STREAM_TERMINAL_GRACE)"
              + " must be between 0 and 1m");
    }
    if (maxBufferedEvents < 1) {
      throw new IllegalArgumentException(
          "threadline.stream.max-buffered-events (THREADLINE_STREAM_MAX_BUFFERED_EVENTS)"
              + " must be >= 1");
    }
    if (tailLinger == null
        || tailLinger.isNegative()
        || tailLinger.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "threadline.stream.tail-linger (THREADLINE_STREAM_TAIL_LINGER) must be between 0 and 1m");
    }
    if (tailMemoryChars < 1) {
      throw new IllegalArgumentException(
          "threadline.stream.tail-memory-chars (THREADLINE_STREAM_TAIL_MEMORY_CHARS) must be >= 1");
    }
  }
}
