package dev.threadline.completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fired once, from any thread, to stop a run's in-flight work: the run was cancelled, another
 * executor took it over, or this relay is shutting down. Listeners registered after it fired run at
 * once.
 */
public final class AbortSignal {

  private final List<Runnable> listeners = new ArrayList<>();
  private String reason;

  public void abort(String why) {
    List<Runnable> toRun;
    synchronized (this) {
      if (reason != null) {
        return;
      }
      reason = why;
      toRun = List.copyOf(listeners);
      listeners.clear();
    }
    toRun.forEach(Runnable::run);
  }

  public synchronized boolean aborted() {
    return reason != null;
  }

  public synchronized Optional<String> reason() {
    return Optional.ofNullable(reason);
  }

  /** Runs {@code listener} when the signal fires (at once if it has). */
  public void onAbort(Runnable listener) {
    synchronized (this) {
      if (reason == null) {
        listeners.add(listener);
        return;
      }
    }
    listener.run();
  }

  /**
   * @throws CompletionAbortedException if the signal has fired
   */
  public void throwIfAborted() {
    String why;
    synchronized (this) {
      why = reason;
    }
    if (why != null) {
      throw new CompletionAbortedException(why);
    }
  }
}
