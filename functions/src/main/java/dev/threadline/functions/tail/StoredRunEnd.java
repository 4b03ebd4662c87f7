package dev.threadline.functions.tail;

import dev.threadline.functions.store.RunState;
import dev.threadline.protocol.ReplyEvent;
import java.util.Optional;

/**
 * The terminal event a run's row stands for, for a run whose terminal event never reached the bus:
 * a queued run cancelled by functions (which never publish), or a run the relay committed but could
 * not announce. Pure; the caller decides when the row has been terminal long enough.
 */
public final class StoredRunEnd {

  static final String FAILED_WITHOUT_REASON = "the run failed";

  private StoredRunEnd() {}

  /** Empty while the run is not terminal (or, completed, has no assistant message to name). */
  public static Optional<ReplyEvent> eventFor(RunState state) {
    return switch (state.status()) {
      case CANCELLED -> Optional.of(new ReplyEvent.Cancelled(state.runId(), state.epoch()));
      case FAILED ->
          Optional.of(
              new ReplyEvent.RunError(
                  state.runId(),
                  state.epoch(),
                  state.error() == null ? FAILED_WITHOUT_REASON : state.error(),
                  false));
      case COMPLETED ->
          Optional.ofNullable(state.assistantMessageId())
              .map(
                  message ->
                      new ReplyEvent.Done(
                          state.runId(), state.epoch(), message, state.finishReason()));
      case QUEUED, RUNNING -> Optional.empty();
    };
  }
}
