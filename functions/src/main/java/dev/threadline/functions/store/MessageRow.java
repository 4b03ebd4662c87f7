package dev.threadline.functions.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

public record MessageRow(UUID id, String role, String content, UUID runId, Instant createdAt) {
  public MessageRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }
}
