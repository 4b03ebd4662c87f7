package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.Objects;

/** One line of an owner's thread list. */
public record ThreadSummaryRow(ThreadId id, String title, boolean inProgress, Instant updatedAt) {
  public ThreadSummaryRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  public ThreadListPosition position() {
    return new ThreadListPosition(updatedAt, id);
  }
}
