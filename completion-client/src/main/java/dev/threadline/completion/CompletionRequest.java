package dev.threadline.completion;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The model to ask, the conversation so far (oldest message first) and the bounds of the call.
 *
 * @param timeout the whole call's deadline, headers and stream included; reaching it fails the call
 *     as {@link FailureReason#TIMED_OUT}, whatever the provider keeps sending
 * @param maxReplyChars the most reply characters handed to the sink; past it the stream is
 *     abandoned and the call completes with finish reason {@code length}
 */
public record CompletionRequest(
    String model, List<ChatMessage> messages, Duration timeout, int maxReplyChars) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  public static final int DEFAULT_MAX_REPLY_CHARS = 200_000;

  public CompletionRequest {
    Objects.requireNonNull(model, "model");
    messages = List.copyOf(messages);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a completion needs at least one message");
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("a completion's timeout must be positive");
    }
    if (maxReplyChars < 1) {
      throw new IllegalArgumentException("a completion's maxReplyChars must be >= 1");
    }
  }

  /** With the default bounds. */
  public CompletionRequest(String model, List<ChatMessage> messages) {
    this(model, messages, DEFAULT_TIMEOUT, DEFAULT_MAX_REPLY_CHARS);
  }
}
