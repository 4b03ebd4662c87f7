package dev.threadline.relay.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.completion.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryWindowTest {

  private static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  private static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }

  @Test
  void sendsTheNewestMessagesThatFitAndStartsWithAQuestion() {
    List<ChatMessage> thread =
        List.of(
            user("q1 ".repeat(10)),
            assistant("a1 ".repeat(10)),
            user("q2 ".repeat(10)),
            assistant("a2 ".repeat(10)),
            user("q3"));

    // 40: room for q3 (2 chars) and a2 (30), not q2: a2 would lead without its question
    assertThat(HistoryWindow.fit(thread, 40)).containsExactly(thread.get(4));
    // 70: q3, a2 and q2 (62 chars), not a1 as well
    assertThat(HistoryWindow.fit(thread, 70)).isEqualTo(thread.subList(2, 5));
    assertThat(HistoryWindow.fit(thread, 1_000)).isEqualTo(thread);
  }

  @Test
  void alwaysSendsTheLatestUserMessageWholeEvenWhenItAloneIsLongerThanTheWindow() {
    List<ChatMessage> thread =
        List.of(user("old"), assistant("older answer"), user("x".repeat(500)));

    assertThat(HistoryWindow.fit(thread, 100)).containsExactly(thread.get(2));
  }

  @Test
  void leavesOutEverythingOlderThanTheFirstMessageThatDoesNotFit() {
    List<ChatMessage> thread =
        List.of(user("a"), assistant("b"), user("c".repeat(100)), assistant("d"), user("e"));

    assertThat(HistoryWindow.fit(thread, 50)).containsExactly(thread.get(4));
  }
}
