package dev.threadline.relay.bus;

import io.micronaut.core.annotation.Nullable;
import java.util.UUID;

/**
 * The last message on a thread's subject as a starting publisher observed it.
 *
 * @param sequence its stream sequence; 0 when the subject is empty
 * @param runId the run it belongs to, null when empty or unlabelled
 * @param epoch the epoch that published it, -1 when unknown
 */
record LastMessage(long sequence, @Nullable UUID runId, long epoch) {

  static final LastMessage NONE = new LastMessage(0, null, -1);

  boolean isOf(UUID run) {
    return run.equals(runId);
  }
}
