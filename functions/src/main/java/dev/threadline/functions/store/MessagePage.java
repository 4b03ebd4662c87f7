package dev.threadline.functions.store;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Consecutive messages of one thread, oldest first, and the seq to page back from when older ones
 * exist (the seq of the oldest message here).
 */
public record MessagePage(List<MessageRow> messages, OptionalLong olderBefore) {

  /** The most messages one page holds (GET thread answers with the newest this many). */
  public static final int MAX_SIZE = 100;

  public MessagePage {
    messages = List.copyOf(messages);
    Objects.requireNonNull(olderBefore, "olderBefore");
  }
}
