package dev.threadline.functions.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A stored message; {@code seq} is its place in the table's insertion order, which pages a thread
 * back in time.
 */
public record MessageRow(
    UUID id, String role, String content, UUID runId, Instant createdAt, long seq) {
  public MessageRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }
}
