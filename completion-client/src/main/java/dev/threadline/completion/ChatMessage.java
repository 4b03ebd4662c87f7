package dev.threadline.completion;

import java.util.Objects;

/**
 * One message of the history sent to the model; {@code role} is {@code user} or {@code assistant}.
 */
public record ChatMessage(String role, String content) {
  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }
}
