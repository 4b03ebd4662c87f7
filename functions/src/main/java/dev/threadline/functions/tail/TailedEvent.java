package dev.threadline.functions.tail;

import dev.threadline.protocol.ReplyEvent;
import java.util.Objects;

/** A reply event as read from the thread's subject, with its JetStream stream sequence. */
public record TailedEvent(long sequence, ReplyEvent event) {
  public TailedEvent {
    Objects.requireNonNull(event, "event");
    if (sequence < 1) {
      throw new IllegalArgumentException("stream sequences start at 1");
    }
  }
}
