package dev.threadline.bench;

import java.util.concurrent.locks.LockSupport;

/** Pacing waits: a benchmark keeps a schedule, so it waits for a time, not for a condition. */
final class Pause {

  private Pause() {}

  static void millis(long millis) {
    untilNanos(System.nanoTime() + millis * 1_000_000L);
  }

  /** Parks until {@code System.nanoTime()} reaches {@code deadline}. */
  static void untilNanos(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
      if (Thread.currentThread().isInterrupted()) {
        throw new IllegalStateException("interrupted");
      }
    }
  }
}
