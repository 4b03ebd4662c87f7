package dev.threadline.functions.store;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A thread as one consistent read: its messages in order and its active run (the running run, else
 * the oldest queued one, else null).
 */
public record ThreadSnapshot(ThreadRow thread, List<MessageRow> messages, UUID activeRunId) {
  public ThreadSnapshot {
    Objects.requireNonNull(thread, "thread");
    messages = List.copyOf(messages);
  }

  public boolean inProgress() {
    return activeRunId != null;
  }
}
