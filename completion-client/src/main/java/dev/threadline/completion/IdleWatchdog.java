package dev.threadline.completion;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Notices responses that go silent. One scheduler thread (daemon) serves every call of a client;
 * each call {@linkplain #watch watches} its body stream and gets {@code onIdle} run, once, on that
 * thread when no byte arrived for the idle time. {@code onIdle} must be quick (close a stream).
 */
final class IdleWatchdog implements AutoCloseable {

  private final ScheduledThreadPoolExecutor scheduler;

  IdleWatchdog() {
    scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = Executors.defaultThreadFactory().newThread(runnable);
              thread.setName("completion-idle-watchdog");
              thread.setDaemon(true);
              return thread;
            });
    scheduler.setRemoveOnCancelPolicy(true);
  }

  /** Starts watching now; the clock restarts with every byte read through {@link Watch#track}. */
  Watch watch(Duration idle, Runnable onIdle) {
    Watch watch = new Watch(scheduler, idle.toNanos(), onIdle);
    watch.schedule(idle.toNanos());
    return watch;
  }

  /**
   * Runs {@code action} once after {@code delay}, on the watchdog's thread, unless the returned
   * timer is closed first. {@code action} must be quick.
   */
  Timer after(Duration delay, Runnable action) {
    ScheduledFuture<?> future = scheduler.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  /** A scheduled action; closing it cancels it if it has not run. */
  interface Timer extends AutoCloseable {
    @Override
    void close();
  }

  /** One watched response. */
  static final class Watch implements AutoCloseable {
    private final ScheduledExecutorService scheduler;
    private final long idleNanos;
    private final Runnable onIdle;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean done;
    private ScheduledFuture<?> next;

    private Watch(ScheduledExecutorService scheduler, long idleNanos, Runnable onIdle) {
      this.scheduler = scheduler;
      this.idleNanos = idleNanos;
      this.onIdle = onIdle;
    }

    /**
     * A view of {@code in} that restarts the clock when a read starts and when it returns bytes:
     * only time spent waiting for the peer counts, not time the caller spends between reads.
     */
    InputStream track(InputStream in) {
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          touch();
          int b = super.read();
          if (b >= 0) {
            touch();
          }
          return b;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
          touch();
          int n = super.read(bytes, offset, length);
          if (n > 0) {
            touch();
          }
          return n;
        }
      };
    }

    void touch() {
      lastActivity = System.nanoTime();
    }

    private synchronized void schedule(long delayNanos) {
      if (done) {
        return;
      }
      next = scheduler.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
      if (done) {
        return;
      }
      long silentFor = System.nanoTime() - lastActivity;
      if (silentFor < idleNanos) {
        schedule(idleNanos - silentFor);
        return;
      }
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
      }
      onIdle.run();
    }

    /** Stops watching; {@code onIdle} will not run after this returns (unless already running). */
    @Override
    public synchronized void close() {
      done = true;
      if (next != null) {
        next.cancel(false);
      }
    }
  }
}
