package dev.threadline.relay;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A named daemon thread that runs a step again and again until stopped. A failing step is logged
 * and retried after a jittered back-off that grows while it keeps failing: the loop never dies.
 */
public final class BackgroundLoop {

  private static final Logger LOG = LoggerFactory.getLogger(BackgroundLoop.class);
  private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(5);

  private final String name;
  private final String executorId;
  private final Supplier<Duration> step;
  private final Object wakeUp = new Object();
  private volatile boolean running;
  private boolean woken; // guarded by wakeUp: a wake-up during a step is not lost
  private Thread thread;

  /**
   * @param step one round of work; returns how long to wait before the next (zero: at once)
   */
  public BackgroundLoop(String name, String executorId, Supplier<Duration> step) {
    this.name = name;
    this.executorId = executorId;
    this.step = step;
  }

  public synchronized void start() {
    if (thread != null) {
      return;
    }
    running = true;
    thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Cuts the current wait short. */
  public void wake() {
    synchronized (wakeUp) {
      woken = true;
      wakeUp.notifyAll();
    }
  }

  public void stop(Duration wait) {
    Thread stopping;
    synchronized (this) {
      running = false;
      stopping = thread;
      thread = null;
    }
    if (stopping == null) {
      return;
    }
    stopping.interrupt();
    try {
      stopping.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public boolean running() {
    return running;
  }

  private void loop() {
    MDC.put("executorId", executorId);
    long failures = 0;
    while (running) {
      Duration pause;
      try {
        pause = step.get();
        failures = 0;
      } catch (RuntimeException e) {
        failures++;
        if (!running) {
          break;
        }
        long ceiling = Math.min(LONGEST_BACKOFF.toMillis(), 100L << Math.min(failures, 6));
        pause =
            Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
        if (failures == 1) {
          LOG.warn("{} failed, again in {} ms", name, pause.toMillis(), e);
        } else {
          LOG.warn(
              "{} failed ({} in a row), again in {} ms: {}",
              name,
              failures,
              pause.toMillis(),
              e.toString());
        }
      }
      synchronized (wakeUp) {
        try {
          if (!woken && !pause.isZero() && running) {
            wakeUp.wait(Math.max(1, pause.toMillis()));
          }
        } catch (InterruptedException e) {
          if (!running) {
            break;
          }
        }
        woken = false;
      }
    }
  }
}
