package dev.threadline.functions.stream;

import dev.threadline.protocol.ReplyEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Decides, event by event, what one SSE client sees: which run it follows, which events are of a
 * superseded epoch, and when its stream ends. Pure logic, one instance per client, not thread-safe
 * (a tail delivers in order from one thread).
 */
public final class ReplyFollower {

  /** What to do with one event. */
  public enum Verdict {
    FORWARD,
    SKIP,
    /** Forward it, then end the response: the followed run is over. */
    FORWARD_AND_END
  }

  private final boolean followAcrossRuns;
  private final long historyUpTo;
  private final Map<UUID, Long> highestEpoch = new HashMap<>();
  private AttachPlan.Mode mode;
  private UUID followed;
  private UUID lastFollowed;

  public ReplyFollower(AttachPlan plan, boolean followAcrossRuns) {
    this.mode = plan.mode();
    this.followed = plan.runId();
    this.lastFollowed = plan.runId();
    this.historyUpTo = plan.historyUpTo();
    this.followAcrossRuns = followAcrossRuns;
  }

  /**
   * True when {@code event}, about to be offered, says the followed run is over although its
   * terminal event was not read: the reset of another run, read after the attach, while a run is
   * followed (following a run: the thread's active run at the attach; resuming: the run of the
   * Last-Event-ID event). Runs of a thread start one at a time, each after the previous one is
   * terminal in the database, and each start purges the subject: the followed run's unread events
   * (its terminal one among them, or all of them: a run cancelled while queued, or one that ran
   * while this instance's tail was held up) may be gone. The caller ends that run from its row
   * first, then offers the event, which then starts the next run as usual.
   */
  public boolean endsFollowedRun(long sequence, ReplyEvent event) {
    if (!(event instanceof ReplyEvent.Reset)
        || followed == null
        || event.runId().equals(followed)) {
      return false;
    }
    return switch (mode) {
      case RUN -> sequence > historyUpTo;
      case FIRST_EVENT -> true;
      case NEXT_RESET -> false;
    };
  }

  /**
   * @param sequence the event's stream sequence
   */
  public Verdict offer(long sequence, ReplyEvent event) {
    switch (mode) {
      case NEXT_RESET -> {
        if (!(event instanceof ReplyEvent.Reset)) {
          return Verdict.SKIP;
        }
        follow(event.runId());
      }
      case FIRST_EVENT -> follow(event.runId());
      case RUN -> {
        if (!event.runId().equals(followed)) {
          return Verdict.SKIP;
        }
      }
    }
    // epoch fence: nothing of an older epoch once a newer one was seen (contract 5's invariant)
    Long highest = highestEpoch.get(event.runId());
    if (highest != null && event.epoch() < highest) {
      return Verdict.SKIP;
    }
    highestEpoch.put(event.runId(), event.epoch());
    if (!event.terminal()) {
      return Verdict.FORWARD;
    }
    return followedRunEnded();
  }

  /**
   * The run whose end this client saw last while it now waits for the next one (following across
   * runs); null otherwise. A later run's reset that the tail read after missing events may come
   * after runs this client never saw: those lie between this one and that reset's run.
   */
  public UUID waitingAfter() {
    return mode == AttachPlan.Mode.NEXT_RESET ? lastFollowed : null;
  }

  /**
   * A run that started and ended while this client's tail could not read it (its events were purged
   * by the next run's start), told from its row: while waiting for a next run (following across
   * runs), the client follows it and it ends at once.
   */
  public Verdict offerMissedRun(UUID runId) {
    if (mode != AttachPlan.Mode.NEXT_RESET) {
      return Verdict.SKIP;
    }
    follow(runId);
    return followedRunEnded();
  }

  /**
   * The followed run's terminal event that never came over the bus, synthesised from its row: ends
   * the stream (or, following across runs, waits for the next run) as the real one would. Skipped
   * when it is not about the run followed now.
   */
  public Verdict offerStoredEnd(ReplyEvent end) {
    if (!end.terminal() || followed == null || !end.runId().equals(followed)) {
      return Verdict.SKIP;
    }
    return followedRunEnded();
  }

  private Verdict followedRunEnded() {
    if (followAcrossRuns) {
      mode = AttachPlan.Mode.NEXT_RESET;
      followed = null;
      return Verdict.FORWARD;
    }
    return Verdict.FORWARD_AND_END;
  }

  /**
   * The run followed now (resuming: the client's unfinished run, if known, until an event is read);
   * null while waiting for one.
   */
  public UUID followedRun() {
    return followed;
  }

  private void follow(UUID runId) {
    mode = AttachPlan.Mode.RUN;
    followed = runId;
    lastFollowed = runId;
  }
}
