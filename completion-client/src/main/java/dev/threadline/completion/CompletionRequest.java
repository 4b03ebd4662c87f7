package dev.threadline.completion;

import java.util.List;
import java.util.Objects;

/** The model to ask and the conversation so far, oldest message first. */
public record CompletionRequest(String model, List<ChatMessage> messages) {
  public CompletionRequest {
    Objects.requireNonNull(model, "model");
    messages = List.copyOf(messages);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a completion needs at least one message");
    }
  }
}
