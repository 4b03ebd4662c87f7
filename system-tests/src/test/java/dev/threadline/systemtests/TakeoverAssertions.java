package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a client attached across a takeover must have seen: the stream's invariant (README, HTTP
 * API), checked against the stored reply.
 */
final class TakeoverAssertions {

  private TakeoverAssertions() {}

  /**
   * No stream rule broken, a new epoch's reset seen, the text equal to the one stored assistant
   * message.
   */
  static void assertShowsTheStoredMessageOnce(
      List<SseEvent> events, ApiClient api, String thread, String runId) {
    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);
    assertThat(assembler.violations()).as("stream rules broken; events: %s", events).isEmpty();
    assertThat(assembler.resets(runId)).as("resets seen").isGreaterThanOrEqualTo(2);
    JsonNode stored = api.assistantMessageOf(thread, runId);
    assertThat(assembler.text(runId)).isEqualTo(stored.path("content").asText());
    assertThat(assembler.done(runId))
        .hasValueSatisfying(
            done ->
                assertThat(done.path("messageId").asText()).isEqualTo(stored.path("id").asText()));
    assertThat(api.thread(thread).path("messages"))
        .as("one assistant message for the run")
        .filteredOn(
            m ->
                runId.equals(m.path("runId").asText())
                    && "assistant".equals(m.path("role").asText()))
        .hasSize(1);
  }
}
