package dev.threadline.functions.streamtoken;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;

/** What a valid stream token grants: {@code owner} may open the stream of {@code threadId}. */
public record StreamToken(String owner, ThreadId threadId, Instant expiresAt) {
  public StreamToken {
    if (owner == null || owner.isBlank()) {
      throw new IllegalArgumentException("owner must not be blank");
    }
    if (threadId == null || expiresAt == null) {
      throw new IllegalArgumentException("threadId and expiresAt are required");
    }
  }
}
