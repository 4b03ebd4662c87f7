package dev.threadline.functions.store;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * A run's state as the SSE stream needs it to tell a client how the run ended when its terminal
 * event never reached the bus.
 *
 * @param assistantMessageId the run's assistant message, null until it completed
 * @param assistantContent that message's text, null until it completed: what a client whose tail
 *     missed part of the run's chunks is shown instead
 * @param finishedAgo how long ago (database clock) the run reached its terminal status; null while
 *     it has not
 */
public record RunState(
    UUID runId,
    RunStatus status,
    long epoch,
    String error,
    String finishReason,
    UUID assistantMessageId,
    String assistantContent,
    Duration finishedAgo) {
  public RunState {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(status, "status");
  }
}
