package dev.threadline.relay.run;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.completion.ChatMessage;
import dev.threadline.completion.CompletionFailedException;
import dev.threadline.completion.CompletionRequest;
import dev.threadline.completion.FailureReason;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.bus.NatsConnection;
import dev.threadline.relay.support.LiveReplies;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.ScriptedCompletionClient.Behaviour;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bounds of every model call, end to end with real PostgreSQL and JetStream: what the model is
 * sent (history window, deadline, reply cap), output PostgreSQL would refuse, and failures that are
 * final or worth a retry.
 */
class BoundedRunIntegrationTest {

  private static final ScriptedCompletionClient MODEL = new ScriptedCompletionClient();
  private static final int WINDOW = 120;

  private static TestDatabase database;
  private static ReplyStreamNames names;
  private static RunFixtures fixtures;
  private static ApplicationContext relay;
  private static ReplyEventCodec codec;
  private static NatsConnection nats;

  @BeforeAll
  static void startRelay() {
    database = TestDatabase.createMigrated();
    names = TestReplyStream.unique();
    fixtures = new RunFixtures(database);
    relay =
        TestRelay.start(
            TestRelay.properties(
                database,
                names,
                "relay-bounded",
                Map.of(
                    "threadline.history-max-chars",
                    WINDOW,
                    "threadline.run-timeout",
                    "90s",
                    "threadline.max-reply-chars",
                    5000)),
            MODEL);
    codec = relay.getBean(ReplyEventCodec.class);
    nats = relay.getBean(NatsConnection.class);
  }

  @AfterAll
  static void stopRelay() throws Exception {
    nats.connection().jetStreamManagement().deleteStream(names.stream());
    relay.close();
    fixtures.close();
    database.close();
  }

  private LiveReplies follow(String thread) {
    return new LiveReplies(nats.connection(), names, codec, new ThreadId(thread));
  }

  private static String deltasOf(List<ReplyEvent> events) {
    return events.stream()
        .filter(ReplyEvent.Chunk.class::isInstance)
        .map(e -> ((ReplyEvent.Chunk) e).delta())
        .collect(Collectors.joining());
  }

  private static CompletionRequest lastCallFor(String prompt) {
    List<CompletionRequest> calls = MODEL.calls();
    for (int i = calls.size() - 1; i >= 0; i--) {
      List<ChatMessage> messages = calls.get(i).messages();
      if (messages.get(messages.size() - 1).content().equals(prompt)) {
        return calls.get(i);
      }
    }
    throw new AssertionError("no call for " + prompt);
  }

  private static Behaviour failing(FailureReason reason) {
    return (request, sink, abort) -> {
      throw new CompletionFailedException("detail for the log only", reason, 0, null, null);
    };
  }

  @Test
  void outputWithNulAndLoneSurrogatesIsStoredAtTheFirstAttemptExactlyAsStreamed() {
    String thread = fixtures.thread();
    MODEL.script("say odd things", deltas("a\u0000b", "c\ud800", "x\udfffd \ud83d", "\ude00"));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "say odd things", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(live.events()).last().isInstanceOf(ReplyEvent.Done.class);
      assertThat(fixtures.assistantMessages(runId))
          .containsExactly("a\uFFFDbc\uFFFDx\uFFFDd 😀")
          .containsExactly(deltasOf(live.events()));
      assertThat(fixtures.run(runId).epoch()).isEqualTo(1);
      assertThat(MODEL.callsFor("say odd things")).isEqualTo(1);
    }
  }

  @Test
  void aThreadLongerThanTheWindowSendsTheNewestMessagesThatFitAndTheLatestQuestionAlways() {
    String thread = fixtures.thread();
    for (int i = 0; i < 4; i++) {
      UUID earlier = fixtures.queueRun(thread, "question " + i + " " + "x".repeat(30), true, true);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> fixtures.run(earlier).status().equals("completed"));
    }
    UUID latest = fixtures.queueRun(thread, "and now?", true, true);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fixtures.run(latest).status().equals("completed"));

    List<ChatMessage> sent = lastCallFor("and now?").messages();
    assertThat(sent.stream().mapToInt(m -> m.content().length()).sum()).isLessThanOrEqualTo(WINDOW);
    assertThat(sent).hasSizeLessThan(9).last().isEqualTo(new ChatMessage("user", "and now?"));
    assertThat(sent.get(0).role()).isEqualTo("user");
    assertThat(sent.get(0).content()).startsWith("question 3");

    String long_ = "y".repeat(WINDOW * 2);
    UUID oversized = fixtures.queueRun(thread, long_, true, true);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fixtures.run(oversized).status().equals("completed"));
    assertThat(lastCallFor(long_).messages()).containsExactly(new ChatMessage("user", long_));
  }

  @Test
  void everyModelCallCarriesTheRunTimeoutAndTheReplyCap() {
    String thread = fixtures.thread();
    UUID runId = fixtures.queueRun(thread, "bounded?", true, true);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fixtures.run(runId).status().equals("completed"));

    CompletionRequest call = lastCallFor("bounded?");
    assertThat(call.timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(call.maxReplyChars()).isEqualTo(5000);
  }

  @Test
  void anAttemptThatReachesItsDeadlineIsRetriedAndTheRunFailsWithTheTimeoutCode() {
    String thread = fixtures.thread();
    Behaviour timedOut = failing(FailureReason.TIMED_OUT);
    MODEL.script("slow model", timedOut, timedOut, timedOut);
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "slow model", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(MODEL.callsFor("slow model")).isEqualTo(3);
      assertThat(live.events())
          .filteredOn(ReplyEvent.RunError.class::isInstance)
          .extracting(e -> ((ReplyEvent.RunError) e).code())
          .containsExactly("timeout", "timeout", "timeout");
      assertThat(fixtures.run(runId).error())
          .isEqualTo("the model call took too long (gave up after 3 attempts)");
    }
  }

  @Test
  void aContentPolicyRefusalFailsTheRunAtOnceWithoutRetries() {
    String thread = fixtures.thread();
    MODEL.script("forbidden", failing(FailureReason.CONTENT_FILTERED), deltas("never"));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "forbidden", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(MODEL.callsFor("forbidden")).isEqualTo(1);
      assertThat(live.events())
          .containsExactly(
              new ReplyEvent.Reset(runId, 1),
              new ReplyEvent.RunError(
                  runId,
                  1,
                  "the model provider refused the request under its content policy",
                  false,
                  "content_filtered"));
      assertThat(fixtures.run(runId).status()).isEqualTo("failed");
    }
  }
}
