package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole path as processes: two functions instances, one relay, the pacing mock. Every client,
 * however late it attached or however it reconnected, shows exactly the stored assistant message
 * (the stream's invariant, README, HTTP API), and nothing arrives twice.
 */
@Tag("processes")
@Timeout(300)
class EndToEndTest {

  private static final Duration ATTACH = Duration.ofSeconds(10);
  private static final Duration RUN = Duration.ofSeconds(60);

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack = Stack.builder().functions(2).relays(1).mock(40, 25).start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void anEarlyClientAndALateClientOnAnotherInstanceBothShowTheStoredMessageByteForByte() {
    ApiClient a = stack.api(0);
    ApiClient b = a.on(stack.functions(1).url());
    String thread = a.createThread();
    String question = "Grüße ☕ \"quoted\" \\ from e2e";

    try (SseClient early = SseClient.attach(a, thread).awaitAttached(ATTACH)) {
      String runId =
          a.postMessage(thread, question + " [chunks=40 delay=25ms]").path("runId").asText();
      early.awaitChunks(1, RUN);
      try (SseClient late = SseClient.attach(b, thread).awaitAttached(ATTACH)) {
        early.awaitEnd(RUN);
        late.awaitEnd(RUN);

        JsonNode stored = b.assistantMessageOf(thread, runId);
        assertThat(stored.path("content").asText())
            .as("the relay stored the model's whole reply")
            .isEqualTo(PacingMockProcess.expectedReply(question, 40));
        assertShowsTheStoredMessage(early.events(), runId, stored);
        assertShowsTheStoredMessage(late.events(), runId, stored);
        assertThat(late.events().get(0).type())
            .as("a late client's replay starts at the reset")
            .isEqualTo("reset");
      }
    }
    assertThat(stack.mock().requests())
        .as("one model call for one message")
        .filteredOn(r -> r.path("lastUserMessage").asText().startsWith(question))
        .hasSize(1);
  }

  @Test
  void aStreamAnnouncesItselfWithACommentBeforeAnyEventWhileTheThreadIsIdle() {
    ApiClient b = stack.api(1);
    String thread = b.createThread();

    try (SseClient idle = SseClient.attach(b, thread).awaitAttached(ATTACH)) {
      await("a first comment line").atMost(ATTACH).until(() -> idle.comments() >= 1);
      assertThat(idle.events()).isEmpty();
      assertThat(idle.ended()).isFalse();
    }
  }

  @Test
  void aClientThatDisconnectsMidRunResumesWithLastEventIdOnTheOtherInstance() {
    ApiClient a = stack.api(0);
    ApiClient b = a.on(stack.functions(1).url());
    String thread = a.createThread();

    SseClient first = SseClient.attach(a, thread).awaitAttached(ATTACH);
    String runId =
        a.postMessage(thread, "resume mid-run [chunks=60 delay=30ms]").path("runId").asText();
    first.awaitChunks(10, RUN);
    first.disconnect();
    await("first connection closed").atMost(ATTACH).until(first::ended);
    List<SseEvent> beforeDisconnect = first.events();

    try (SseClient resumed =
        SseClient.attach(b, thread, first.lastEventId(), false).awaitAttached(ATTACH)) {
      resumed.awaitEnd(RUN);

      JsonNode stored = a.assistantMessageOf(thread, runId);
      assertThat(resumed.events("chunk"))
          .as("the resumed connection carried the rest")
          .isNotEmpty();
      assertShowsTheStoredMessage(concat(beforeDisconnect, resumed.events()), runId, stored);
    }
    assertThat(stack.mock().requests())
        .as("a disconnect is not a stop: still one model call")
        .filteredOn(r -> r.path("lastUserMessage").asText().startsWith("resume mid-run"))
        .hasSize(1);
  }

  @Test
  void aClientThatResumesAfterTheRunEndedGetsTheRestAndTheDone() {
    ApiClient a = stack.api(0);
    ApiClient b = a.on(stack.functions(1).url());
    String thread = a.createThread();

    SseClient first = SseClient.attach(b, thread).awaitAttached(ATTACH);
    String runId =
        a.postMessage(thread, "resume after the end [chunks=30 delay=20ms]").path("runId").asText();
    first.awaitChunks(5, RUN);
    first.disconnect();
    await("first connection closed").atMost(ATTACH).until(first::ended);
    List<SseEvent> beforeDisconnect = first.events();
    await("the run ended")
        .atMost(RUN)
        .until(() -> "idle".equals(a.thread(thread).path("status").asText()));

    try (SseClient resumed =
        SseClient.attach(a, thread, first.lastEventId(), false).awaitAttached(ATTACH)) {
      resumed.awaitEnd(RUN);

      assertShowsTheStoredMessage(
          concat(beforeDisconnect, resumed.events()), runId, a.assistantMessageOf(thread, runId));
    }
  }

  @Test
  void twoMessagesRunOneAfterTheOtherAndAFollowingClientShowsBothReplies() {
    ApiClient a = stack.api(0);
    ApiClient b = a.on(stack.functions(1).url());
    String thread = a.createThread();

    try (SseClient follower = SseClient.attach(b, thread, null, true).awaitAttached(ATTACH)) {
      String first =
          a.postMessage(thread, "first question [chunks=15 delay=20ms]").path("runId").asText();
      String second =
          b.postMessage(thread, "second question [chunks=10 delay=20ms]").path("runId").asText();
      follower.awaitEvent(
          "the second run's done", e -> e.is("done") && second.equals(e.runId()), RUN);

      ReplyAssembler assembler = new ReplyAssembler().acceptAll(follower.events());
      assertThat(assembler.violations()).as("events: %s", follower.events()).isEmpty();
      assertThat(assembler.runIds()).as("runs in submission order").containsExactly(first, second);
      assertThat(follower.events("reset").stream().map(SseEvent::runId))
          .containsExactly(first, second);
      assertThat(assembler.text(first))
          .isEqualTo(a.assistantMessageOf(thread, first).path("content").asText());
      assertThat(assembler.text(second))
          .isEqualTo(a.assistantMessageOf(thread, second).path("content").asText());
      assertThat(follower.ended()).as("?follow=true stays open across runs").isFalse();
    }
  }

  @Test
  void cancellingARunningRunStopsItWithinASecondAndEndsEveryStream() {
    ApiClient a = stack.api(0);
    ApiClient b = a.on(stack.functions(1).url());
    String thread = a.createThread();

    try (SseClient client = SseClient.attach(a, thread).awaitAttached(ATTACH)) {
      String runId =
          a.postMessage(thread, "cancel me [chunks=400 delay=25ms]").path("runId").asText();
      client.awaitChunks(5, RUN);

      b.send(
              "POST",
              "/v1/threads/" + thread + "/runs/" + runId + "/cancel",
              null,
              java.util.Map.of())
          .expect(202);
      long cancelledAt = System.nanoTime();
      SseEvent cancelled =
          client.awaitEvent("cancelled", e -> e.is("cancelled"), Duration.ofSeconds(10));
      client.awaitEnd(ATTACH);

      long millis = (cancelled.receivedNanos() - cancelledAt) / 1_000_000;
      System.out.printf("cancel to the cancelled event: %d ms%n", millis);
      assertThat(millis).as("ms from cancel to the cancelled event").isLessThan(1_500);
      assertThat(new ReplyAssembler().acceptAll(client.events()).violations()).isEmpty();
      assertThat(a.run(thread, runId).path("status").asText()).isEqualTo("cancelled");
      await("the thread is idle again")
          .atMost(ATTACH)
          .until(() -> "idle".equals(a.thread(thread).path("status").asText()));
    }
  }

  private static void assertShowsTheStoredMessage(
      List<SseEvent> events, String runId, JsonNode stored) {
    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);
    assertThat(assembler.violations()).as("stream rules broken; events: %s", events).isEmpty();
    assertThat(assembler.text(runId)).isEqualTo(stored.path("content").asText());
    assertThat(assembler.done(runId))
        .as("done event of run %s; events: %s", runId, events)
        .hasValueSatisfying(
            done ->
                assertThat(done.path("messageId").asText()).isEqualTo(stored.path("id").asText()));
  }

  private static List<SseEvent> concat(List<SseEvent> first, List<SseEvent> second) {
    return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
  }
}
