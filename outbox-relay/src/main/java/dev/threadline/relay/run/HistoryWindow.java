package dev.threadline.relay.run;

import dev.threadline.completion.ChatMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The part of a thread sent to the model ({@code THREADLINE_HISTORY_MAX_CHARS}): the newest
 * messages whose contents fit the window together, oldest first, so a thread longer than the
 * model's context keeps working. The latest user message (the run's own, last in the history) is
 * always sent and never cut, even when it alone is longer than the window: a question cut short
 * would be answered wrongly, and submit already bounds its size. A window never starts with an
 * assistant message whose question was left out.
 */
final class HistoryWindow {

  private HistoryWindow() {}

  static List<ChatMessage> fit(List<ChatMessage> history, int maxChars) {
    if (history.isEmpty()) {
      return history;
    }
    List<ChatMessage> kept = new ArrayList<>();
    ChatMessage latest = history.get(history.size() - 1);
    kept.add(latest);
    long room = (long) maxChars - latest.content().length();
    for (int i = history.size() - 2; i >= 0; i--) {
      ChatMessage message = history.get(i);
      if (message.content().length() > room) {
        break;
      }
      kept.add(message);
      room -= message.content().length();
    }
    while (kept.size() > 1 && !kept.get(kept.size() - 1).role().equals("user")) {
      kept.remove(kept.size() - 1);
    }
    Collections.reverse(kept);
    return kept;
  }
}
