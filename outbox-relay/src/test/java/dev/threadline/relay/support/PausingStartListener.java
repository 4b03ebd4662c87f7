package dev.threadline.relay.support;

import dev.threadline.relay.bus.ReplyStartListener;
import dev.threadline.relay.store.ClaimedRun;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a chosen epoch of a run at a chosen step of its reply's start, as if its process were
 * paused there, until the test releases it.
 */
public final class PausingStartListener implements ReplyStartListener {

  public enum Step {
    /** Ownership confirmed, the reset not yet published. */
    BEFORE_RESET,
    /** The reset published, the older events not yet purged. */
    BEFORE_PURGE
  }

  private final Map<String, Pause> pauses = new ConcurrentHashMap<>();

  /** Pauses the next start of {@code runId} at {@code epoch} at {@code step}. */
  public Pause pause(UUID runId, long epoch, Step step) {
    Pause pause = new Pause();
    pauses.put(key(runId, epoch, step), pause);
    return pause;
  }

  @Override
  public void ownershipConfirmed(ClaimedRun run, long lastSequence) {
    hold(run, Step.BEFORE_RESET);
  }

  @Override
  public void resetPublished(ClaimedRun run, long sequence) {
    hold(run, Step.BEFORE_PURGE);
  }

  /** Pauses the next start of any run at {@code step}. */
  public Pause pauseNext(Step step) {
    Pause pause = new Pause();
    pauses.put(step.name(), pause);
    return pause;
  }

  private void hold(ClaimedRun run, Step step) {
    Pause pause = pauses.remove(key(run.runId(), run.epoch(), step));
    if (pause == null) {
      pause = pauses.remove(step.name());
    }
    if (pause != null) {
      pause.reached.countDown();
      try {
        if (!pause.released.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("a paused start was never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String key(UUID runId, long epoch, Step step) {
    return runId + ":" + epoch + ":" + step;
  }

  /** One pause: the test waits until it is reached, then releases it. */
  public static final class Pause {
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    public boolean reached() {
      return reached.getCount() == 0;
    }

    public void release() {
      released.countDown();
    }
  }
}
