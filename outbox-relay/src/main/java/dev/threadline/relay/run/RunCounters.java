package dev.threadline.relay.run;

import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** How runs ended in this process; shown on {@code /health} under {@code relay}. */
@Singleton
public class RunCounters {

  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong completedWithoutChunks = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong fencedOrLost = new AtomicLong();

  void completed(int chunks) {
    completed.incrementAndGet();
    if (chunks == 0) {
      completedWithoutChunks.incrementAndGet();
    }
  }

  void failed() {
    failed.incrementAndGet();
  }

  void cancelled() {
    cancelled.incrementAndGet();
  }

  void retried() {
    retried.incrementAndGet();
  }

  void fencedOrLost() {
    fencedOrLost.incrementAndGet();
  }

  /** Lesson 12: a run that completes with nothing published must be visible. */
  public long completedWithoutChunks() {
    return completedWithoutChunks.get();
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> values = new LinkedHashMap<>();
    values.put("completed", completed.get());
    values.put("completedWithoutChunks", completedWithoutChunks.get());
    values.put("failed", failed.get());
    values.put("cancelled", cancelled.get());
    values.put("retried", retried.get());
    values.put("fencedOrLost", fencedOrLost.get());
    return values;
  }
}
