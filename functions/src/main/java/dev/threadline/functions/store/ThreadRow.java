package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.Objects;

public record ThreadRow(ThreadId id, String owner, String title, Instant createdAt) {
  public ThreadRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
