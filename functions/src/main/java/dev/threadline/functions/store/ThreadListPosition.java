package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.Objects;

/**
 * A place in an owner's thread list (most recently active first, ties by id): the list goes on
 * after it. {@code updatedAt} is exact to the microsecond, as PostgreSQL stores it.
 */
public record ThreadListPosition(Instant updatedAt, ThreadId id) {
  public ThreadListPosition {
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(id, "id");
  }
}
