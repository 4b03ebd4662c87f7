package dev.threadline.bench;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load: request i is due at {@code start + i / rate} whether or not earlier ones
 * answered, and its latency counts from when it was due (no coordinated omission: a stall shows up
 * in every request it delayed).
 */
final class OpenLoad {

  /**
   * @param latency due time to response, microseconds, of every request (failures included)
   * @param runIds the runs of the 202s
   */
  record Result(
      double offeredPerSecond,
      int sent,
      int accepted,
      double acceptedPerSecond,
      Histogram latency,
      List<UUID> runIds) {

    /** Steady: nearly every request accepted at the offered rate. */
    boolean kept(Duration p99Limit) {
      return accepted >= sent * 0.99
          && acceptedPerSecond >= offeredPerSecond * 0.95
          && latency.getValueAtPercentile(99) <= p99Limit.toNanos() / 1000;
    }
  }

  private OpenLoad() {}

  /** Sends {@code request.apply(i)} at {@code perSecond} for {@code duration}. */
  static Result run(
      Api api, double perSecond, Duration duration, IntFunction<HttpRequest> request) {
    int count = (int) Math.round(perSecond * duration.toMillis() / 1000.0);
    long period = (long) (1_000_000_000L / perSecond);
    Histogram latency = Row.histogram();
    ConcurrentLinkedQueue<UUID> runIds = new ConcurrentLinkedQueue<>();
    AtomicInteger accepted = new AtomicInteger();
    AtomicLong lastAnswer = new AtomicLong();
    List<CompletableFuture<?>> pending = new ArrayList<>(count);
    long start = System.nanoTime() + 5_000_000L;
    for (int i = 0; i < count; i++) {
      long due = start + i * period;
      Pause.untilNanos(due);
      pending.add(
          api.sendAsync(request.apply(i))
              .whenComplete(
                  (response, failure) -> {
                    long now = System.nanoTime();
                    synchronized (latency) {
                      latency.recordValue(Math.max(0, (now - due) / 1000));
                    }
                    UUID runId = failure == null ? Api.runId(response) : null;
                    if (runId != null) {
                      runIds.add(runId);
                      accepted.incrementAndGet();
                      lastAnswer.accumulateAndGet(now, Math::max);
                    }
                  }));
    }
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .exceptionally(failure -> null)
          .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("load at " + perSecond + "/s: not every request answered: " + e);
    }
    double seconds = Math.max(duration.toMillis() / 1000.0, (lastAnswer.get() - start) / 1e9);
    return new Result(
        perSecond,
        count,
        accepted.get(),
        accepted.get() / seconds,
        latency,
        new ArrayList<>(runIds));
  }
}
