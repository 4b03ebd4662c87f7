package dev.threadline.relay.run;

import dev.threadline.completion.AbortSignal;
import dev.threadline.relay.store.ClaimedRun;
import java.util.UUID;

/**
 * A run this process is working on: its current epoch (a retry raises it) and the signal that stops
 * its work. Changes of the epoch and the renewer's "is it still ours" decision synchronise on this
 * object, so a retry is never mistaken for a lost run.
 */
public final class InFlightRun {

  private final UUID runId;
  private final AbortSignal abort = new AbortSignal();
  private ClaimedRun current;
  private volatile boolean committed;

  InFlightRun(ClaimedRun run) {
    this.runId = run.runId();
    this.current = run;
  }

  public UUID runId() {
    return runId;
  }

  public AbortSignal abort() {
    return abort;
  }

  public synchronized ClaimedRun current() {
    return current;
  }

  /** Its terminal state is written: its lease needs no renewal while the end is announced. */
  void markCommitted() {
    committed = true;
  }

  public boolean committed() {
    return committed;
  }

  synchronized void moveTo(ClaimedRun next) {
    if (!next.runId().equals(runId)) {
      throw new IllegalArgumentException("a run cannot become another run");
    }
    current = next;
  }
}
