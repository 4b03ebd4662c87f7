package dev.threadline.functions.stream;

import java.util.UUID;

/**
 * Where an SSE client starts reading a thread's subject and which run it follows first.
 *
 * @param startSequence the first stream sequence to read (1: the whole subject)
 * @param mode how the first followed run is chosen
 * @param runId the run to follow in {@link Mode#RUN} mode; in {@link Mode#FIRST_EVENT} mode the run
 *     of the Last-Event-ID event when it was not terminal and is still stored (the run to check in
 *     the database until an event arrives), else null
 * @param historyUpTo the subject's last sequence when the thread's status was read: events up to it
 *     were published before the attach, later ones after it
 */
public record AttachPlan(long startSequence, Mode mode, UUID runId, long historyUpTo) {

  public enum Mode {
    /** In progress: follow {@code runId}, skipping other runs' events until its own appear. */
    RUN,
    /**
     * Resuming after Last-Event-ID: follow the run of the first event read (until then, the run of
     * the Last-Event-ID event, if known).
     */
    FIRST_EVENT,
    /** Idle: follow the first run whose reset appears. */
    NEXT_RESET
  }

  public AttachPlan {
    if (startSequence < 1) {
      throw new IllegalArgumentException("startSequence must be >= 1");
    }
    if (mode == Mode.RUN && runId == null) {
      throw new IllegalArgumentException("RUN mode needs the run id");
    }
    if (mode == Mode.NEXT_RESET && runId != null) {
      throw new IllegalArgumentException("NEXT_RESET mode follows no run yet");
    }
  }

  public static AttachPlan followRun(UUID runId, long lastSequence) {
    return new AttachPlan(1, Mode.RUN, runId, lastSequence);
  }

  public static AttachPlan resumeAfter(long lastEventId) {
    return resumeAfter(lastEventId, null);
  }

  /**
   * @param unfinishedRun the run of the Last-Event-ID event, when that event was not terminal; null
   *     when unknown
   */
  public static AttachPlan resumeAfter(long lastEventId, UUID unfinishedRun) {
    return new AttachPlan(lastEventId + 1, Mode.FIRST_EVENT, unfinishedRun, lastEventId);
  }

  public static AttachPlan nextRunAfter(long lastSequence) {
    return new AttachPlan(lastSequence + 1, Mode.NEXT_RESET, null, lastSequence);
  }
}
