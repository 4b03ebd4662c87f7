package dev.threadline.functions.store;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A thread as one consistent read: its newest messages in order, where to page back from, and its
 * active run (the running run, else the oldest queued one, else null).
 */
public record ThreadSnapshot(ThreadRow thread, MessagePage newest, UUID activeRunId) {
  public ThreadSnapshot {
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(newest, "newest");
  }

  public List<MessageRow> messages() {
    return newest.messages();
  }

  public boolean inProgress() {
    return activeRunId != null;
  }
}
