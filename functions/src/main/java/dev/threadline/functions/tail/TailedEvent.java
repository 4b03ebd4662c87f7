package dev.threadline.functions.tail;

import dev.threadline.protocol.ReplyEvent;
import java.util.Objects;

/**
 * A reply event as read from the thread's subject, with its JetStream stream sequence and the
 * sequence its publisher chained it to ({@code previous}: the subject's event before it, -1 when
 * unknown).
 */
public record TailedEvent(long sequence, ReplyEvent event, long previous) {

  public TailedEvent(long sequence, ReplyEvent event) {
    this(sequence, event, -1);
  }

  public TailedEvent {
    Objects.requireNonNull(event, "event");
    if (sequence < 1) {
      throw new IllegalArgumentException("stream sequences start at 1");
    }
  }
}
