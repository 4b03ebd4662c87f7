package dev.threadline.functions.thread;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.MessageRow;
import io.micronaut.serde.annotation.Serdeable;
import java.util.UUID;

/** A message on the wire; {@code createdAt} is ISO-8601 UTC. */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record MessageView(UUID id, String role, String content, UUID runId, String createdAt) {

  static MessageView of(MessageRow row) {
    return new MessageView(
        row.id(), row.role(), row.content(), row.runId(), row.createdAt().toString());
  }
}
