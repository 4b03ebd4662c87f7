package dev.threadline.relay.metrics;

import dev.threadline.relay.store.TakenOverRun;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The relay's meters, the one place its runs are counted: {@code /prometheus} exports them and
 * {@code /health} shows the run outcomes from the same counters. Micrometer names use dots; the
 * Prometheus names (in the README) use underscores, {@code _total} for counters and {@code
 * _seconds} for timers.
 */
@Singleton
public class RelayMetrics {

  /** The statuses a run ends in here; {@code lost}: another executor owns it now. */
  private static final String[] OUTCOMES = {"completed", "failed", "cancelled"};

  private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
  private static final Duration MAX_EXPECTED = Duration.ofMinutes(2);

  private final MeterRegistry registry;
  private final Counter claimed;
  private final Map<String, Counter> finished = new LinkedHashMap<>();
  private final Counter lost;
  private final Counter completedWithoutChunks;
  private final Counter chunksPublished;
  private final Counter retries;
  private final Timer claimLatency;
  private final Timer timeToFirstChunk;
  private final Timer takeoverLatency;

  public RelayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.claimed =
        Counter.builder("threadline.runs.claimed")
            .description("queued runs this relay claimed")
            .register(registry);
    for (String status : OUTCOMES) {
      finished.put(
          status,
          Counter.builder("threadline.runs.finished")
              .description("runs this relay ended, by final status")
              .tag("status", status)
              .register(registry));
    }
    this.lost =
        Counter.builder("threadline.runs.lost")
            .description("runs this relay stopped working because a newer epoch owns them")
            .register(registry);
    this.completedWithoutChunks =
        Counter.builder("threadline.runs.completed.without.chunks")
            .description("completed runs that published no chunk (DESIGN lesson 12)")
            .register(registry);
    this.chunksPublished =
        Counter.builder("threadline.chunks.published")
            .description("chunk events acknowledged by JetStream")
            .register(registry);
    this.retries =
        Counter.builder("threadline.retries")
            .description("failed attempts restarted at a higher epoch after a backoff")
            .register(registry);
    this.claimLatency =
        latency("threadline.claim.latency", "from the run row's created_at to its claim");
    this.timeToFirstChunk =
        latency(
            "threadline.time.to.first.chunk",
            "from the start of an attempt (claim, takeover or retry) to its first published chunk");
    this.takeoverLatency =
        latency(
            "threadline.takeover.latency",
            "from the previous owner's last lease renewal (lease_expires_at minus lease) to the"
                + " takeover");
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_EXPECTED)
        .maximumExpectedValue(MAX_EXPECTED)
        .register(registry);
  }

  /** A queued run was claimed at {@code now}; it had been queued since {@code createdAt}. */
  public void claimed(Instant createdAt, Instant now) {
    claimed.increment();
    if (createdAt != null) {
      claimLatency.record(nonNegative(Duration.between(createdAt, now)));
    }
  }

  /**
   * A run was taken over at {@code now} from a dead or silent owner ({@code source}: {@code scan}
   * for the takeover scanner, {@code restart} for this executor's own runs at start-up).
   */
  public void tookOver(TakenOverRun taken, String source, Instant now, Duration lease) {
    Counter.builder("threadline.takeovers")
        .description("runs taken over from a dead or silent owner")
        .tag("source", source)
        .tag("disposition", taken.disposition().name().toLowerCase())
        .register(registry)
        .increment();
    if (taken.previousLeaseExpiresAt() != null) {
      Instant lastRenewal = taken.previousLeaseExpiresAt().minus(lease);
      takeoverLatency.record(nonNegative(Duration.between(lastRenewal, now)));
    }
  }

  public void firstChunk(long attemptStartNanos, long nowNanos) {
    timeToFirstChunk.record(Duration.ofNanos(Math.max(0, nowNanos - attemptStartNanos)));
  }

  public void chunkPublished() {
    chunksPublished.increment();
  }

  public void completed(int chunks) {
    finished.get("completed").increment();
    if (chunks == 0) {
      completedWithoutChunks.increment();
    }
  }

  public void failed() {
    finished.get("failed").increment();
  }

  public void cancelled() {
    finished.get("cancelled").increment();
  }

  public void retried() {
    retries.increment();
  }

  public void lost() {
    lost.increment();
  }

  public void natsReconnected() {
    Counter.builder("threadline.nats.reconnects")
        .description("NATS connection re-established after a disconnect")
        .register(registry)
        .increment();
  }

  /**
   * A dedicated PostgreSQL connection ({@code liveness} or {@code listen}) re-opened after a loss.
   */
  public void pgReconnected(String connection) {
    Counter.builder("threadline.pg.reconnects")
        .description("dedicated PostgreSQL connections re-opened after a loss")
        .tag("connection", connection)
        .register(registry)
        .increment();
  }

  /** Lesson 12: a run that completes with nothing published must be visible. */
  public long completedWithoutChunks() {
    return (long) completedWithoutChunks.count();
  }

  /** Run outcomes for {@code /health}, read from the same counters Prometheus scrapes. */
  public Map<String, Long> snapshot() {
    Map<String, Long> values = new LinkedHashMap<>();
    values.put("claimed", (long) claimed.count());
    finished.forEach((status, counter) -> values.put(status, (long) counter.count()));
    values.put("completedWithoutChunks", completedWithoutChunks());
    values.put("retried", (long) retries.count());
    values.put("fencedOrLost", (long) lost.count());
    return values;
  }

  private static Duration nonNegative(Duration duration) {
    return duration.isNegative() ? Duration.ZERO : duration;
  }
}
