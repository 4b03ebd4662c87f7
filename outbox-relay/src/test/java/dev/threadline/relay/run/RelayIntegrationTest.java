package dev.threadline.relay.run;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static dev.threadline.relay.support.ScriptedCompletionClient.endless;
import static dev.threadline.relay.support.ScriptedCompletionClient.permanentFailure;
import static dev.threadline.relay.support.ScriptedCompletionClient.transientFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.bus.NatsConnection;
import dev.threadline.relay.bus.ReplyPublisher;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.support.LiveReplies;
import dev.threadline.relay.support.ReplyReader;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One relay against real PostgreSQL and JetStream, the model scripted. */
class RelayIntegrationTest {

  private static final String EXECUTOR = "relay-it";
  private static final ScriptedCompletionClient MODEL = new ScriptedCompletionClient();

  private static TestDatabase database;
  private static ReplyStreamNames names;
  private static RunFixtures fixtures;
  private static ApplicationContext relay;
  private static ReplyEventCodec codec;
  private static NatsConnection nats;
  private static ReplyReader reader;

  @BeforeAll
  static void startRelay() {
    database = TestDatabase.createMigrated();
    names = TestReplyStream.unique();
    fixtures = new RunFixtures(database);
    relay = TestRelay.start(TestRelay.properties(database, names, EXECUTOR, Map.of()), MODEL);
    codec = relay.getBean(ReplyEventCodec.class);
    nats = relay.getBean(NatsConnection.class);
    reader = new ReplyReader(nats.connection(), names, codec);
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

  private static String text(List<ReplyEvent> events, long epoch) {
    return events.stream()
        .filter(e -> e instanceof ReplyEvent.Chunk c && c.epoch() == epoch)
        .map(e -> ((ReplyEvent.Chunk) e).delta())
        .collect(Collectors.joining());
  }

  @Test
  void aQueuedRunIsClaimedOnNotifyStreamedPublishedAndCompleted() {
    String thread = fixtures.thread();
    MODEL.script("hello there", deltas("Hi", ", ", "you!"));
    try (LiveReplies live = follow(thread)) {
      long queuedAt = System.nanoTime();
      UUID runId = fixtures.queueRun(thread, "hello there", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);
      // the poll interval is 30 s: only the notification can have woken the relay this fast
      assertThat(Duration.ofNanos(System.nanoTime() - queuedAt)).isLessThan(Duration.ofSeconds(3));

      UUID messageId = fixtures.assistantMessageId(runId);
      assertThat(live.events())
          .containsExactly(
              new ReplyEvent.Reset(runId, 1),
              new ReplyEvent.Chunk(runId, 1, 0, "Hi"),
              new ReplyEvent.Chunk(runId, 1, 1, ", "),
              new ReplyEvent.Chunk(runId, 1, 2, "you!"),
              new ReplyEvent.Done(runId, 1, messageId, "stop"));
      assertThat(fixtures.assistantMessages(runId)).containsExactly(text(live.events(), 1));
      assertThat(fixtures.run(runId))
          .satisfies(
              row -> {
                assertThat(row.status()).isEqualTo("completed");
                assertThat(row.executorId()).isEqualTo(EXECUTOR);
                assertThat(row.chunksPublished()).isEqualTo(3);
                assertThat(row.finishReason()).isEqualTo("stop");
              });
      assertThat(reader.events(new ThreadId(thread))).isEqualTo(live.events());
    }
  }

  @Test
  void runsOfOneThreadRunOneAtATimeInSubmissionOrderWithTheHistory() {
    String thread = fixtures.thread();
    UUID first = fixtures.queueRun(thread, "first question", true, false);
    UUID second = fixtures.queueRun(thread, "second question", true, true);

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fixtures.run(second).status().equals("completed"));

    assertThat(fixtures.run(first).status()).isEqualTo("completed");
    assertThat(MODEL.calls())
        .filteredOn(
            call ->
                call.messages().get(call.messages().size() - 1).content().equals("second question"))
        .singleElement()
        .satisfies(
            call ->
                assertThat(call.messages())
                    .extracting(m -> m.role() + ": " + m.content())
                    .containsExactly(
                        "user: first question",
                        "assistant: Echo: first question",
                        "user: second question"));
  }

  @Test
  void aTransientFailureIsRetriedAtAHigherEpochAfterAResetAndThenCompletes() {
    String thread = fixtures.thread();
    MODEL.script("flaky", transientFailure("par", "tial"), deltas("whole ", "answer"));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "flaky", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(live.events())
          .containsExactly(
              new ReplyEvent.Reset(runId, 1),
              new ReplyEvent.Chunk(runId, 1, 0, "par"),
              new ReplyEvent.Chunk(runId, 1, 1, "tial"),
              new ReplyEvent.RunError(
                  runId, 1, "the model provider is unavailable", true, "provider_unavailable"),
              new ReplyEvent.Reset(runId, 2),
              new ReplyEvent.Chunk(runId, 2, 0, "whole "),
              new ReplyEvent.Chunk(runId, 2, 1, "answer"),
              new ReplyEvent.Done(runId, 2, fixtures.assistantMessageId(runId), "stop"));
      assertThat(fixtures.assistantMessages(runId)).containsExactly("whole answer");
      assertThat(fixtures.run(runId).attempts()).isEqualTo(2);
      // a late attacher replaying the subject sees only the epoch that counts
      assertThat(reader.events(new ThreadId(thread)))
          .first()
          .isEqualTo(new ReplyEvent.Reset(runId, 2));
    }
  }

  @Test
  void transientFailuresUpToTheAttemptLimitFailTheRun() {
    String thread = fixtures.thread();
    MODEL.script("always down", transientFailure(), transientFailure(), transientFailure());
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "always down", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(fixtures.run(runId).status()).isEqualTo("failed");
      assertThat(fixtures.run(runId).attempts()).isEqualTo(3);
      assertThat(live.events())
          .last()
          .isInstanceOfSatisfying(
              ReplyEvent.RunError.class,
              e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.epoch()).isEqualTo(3);
              });
      assertThat(MODEL.callsFor("always down")).isEqualTo(3);
    }
  }

  @Test
  void aPermanentFailureFailsTheRunWithANonRetryableError() {
    String thread = fixtures.thread();
    MODEL.script("bad request", permanentFailure());
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "bad request", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(live.events())
          .containsExactly(
              new ReplyEvent.Reset(runId, 1),
              new ReplyEvent.RunError(
                  runId,
                  1,
                  "the model provider rejected the request as invalid",
                  false,
                  "invalid_request"));
      assertThat(fixtures.run(runId).status()).isEqualTo("failed");
      assertThat(fixtures.run(runId).error())
          .isEqualTo("the model provider rejected the request as invalid");
      assertThat(MODEL.callsFor("bad request")).isEqualTo(1);
      assertThat(fixtures.assistantMessages(runId)).isEmpty();
    }
  }

  @Test
  void aCancelRequestedWhileRunningStopsTheRunWithinASecond() {
    String thread = fixtures.thread();
    MODEL.script("talk forever", endless(Duration.ofMillis(20)));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "talk forever", true, true);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> live.events().stream().anyMatch(e -> e instanceof ReplyEvent.Chunk));

      fixtures.requestCancel(runId);

      await().atMost(Duration.ofSeconds(1)).until(live::hasTerminal);
      assertThat(live.events()).last().isEqualTo(new ReplyEvent.Cancelled(runId, 1));
      assertThat(fixtures.run(runId).status()).isEqualTo("cancelled");
      assertThat(fixtures.assistantMessages(runId)).isEmpty();
    }
  }

  @Test
  void aRunCancelledBeforeItStartedIsCancelledWithoutAskingTheModel() {
    String thread = fixtures.thread();
    UUID runId = fixtures.queueRun(thread, "never mind", true, false);
    fixtures.execute("update runs set cancel_requested = true where id = ?", runId);
    fixtures.execute("select pg_notify('threadline_run_queued', ?)", thread);

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> fixtures.run(runId).status().equals("cancelled"));
    assertThat(MODEL.callsFor("never mind")).isZero();
  }

  @Test
  void aRelayThatLostItsLeaseStopsPublishingAndWritesNothing() throws Exception {
    String thread = fixtures.thread();
    MODEL.script("long story", endless(Duration.ofMillis(20)));
    // the thief is alive (holds its liveness lock), so our takeover scanner leaves it alone
    try (LiveReplies live = follow(thread);
        Connection thief = fixtures.holdLivenessLock("executor-thief")) {
      UUID runId = fixtures.queueRun(thread, "long story", true, true);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> live.events().stream().anyMatch(e -> e instanceof ReplyEvent.Chunk));

      fixtures.stealRun(runId, "executor-thief");

      // the lease renewal (every 500 ms here) notices and aborts the model call
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> relay.getBean(InFlightRuns.class).find(runId).isEmpty());
      int published = live.events().size();
      await().pollDelay(Duration.ofMillis(300)).until(() -> true);
      assertThat(live.events()).hasSize(published);
      assertThat(live.events()).noneMatch(ReplyEvent::terminal);
      assertThat(fixtures.run(runId).status()).isEqualTo("running");
      assertThat(fixtures.run(runId).executorId()).isEqualTo("executor-thief");
      assertThat(fixtures.assistantMessages(runId)).isEmpty();
      fixtures.execute("update runs set status = 'failed' where id = ?", runId);
    }
  }

  @Test
  void aRelayFencedAtTheBrokerByANewerEpochStopsPublishing() throws Exception {
    String thread = fixtures.thread();
    MODEL.script("fenced story", endless(Duration.ofMillis(20)));
    try (LiveReplies live = follow(thread);
        Connection thief = fixtures.holdLivenessLock("executor-newer")) {
      UUID runId = fixtures.queueRun(thread, "fenced story", true, true);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> live.events().stream().anyMatch(e -> e instanceof ReplyEvent.Chunk));

      // a newer epoch starts on the subject before our lease renewal could tell us
      ClaimedRun newer =
          new ClaimedRun(
              runId, new ThreadId(thread), 2, "executor-newer", "m", 2, true, false, null);
      relay.getBean(ReplyPublisher.class).start(newer, () -> true);

      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> relay.getBean(InFlightRuns.class).find(runId).isEmpty());
      assertThat(reader.events(new ThreadId(thread)))
          .containsExactly(new ReplyEvent.Reset(runId, 2));
      fixtures.stealRun(runId, "executor-newer");
      fixtures.execute("update runs set status = 'failed' where id = ?", runId);
    }
  }

  @Test
  void aRunCompletedWithZeroChunksIsCountedAndStillEndsWithDone() {
    String thread = fixtures.thread();
    MODEL.script("say nothing", deltas());
    long before = relay.getBean(RelayMetrics.class).completedWithoutChunks();
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "say nothing", true, true);

      await().atMost(Duration.ofSeconds(5)).until(live::hasTerminal);

      assertThat(live.events()).last().isInstanceOf(ReplyEvent.Done.class);
      assertThat(fixtures.assistantMessages(runId)).containsExactly("");
      assertThat(fixtures.run(runId).chunksPublished()).isZero();
      assertThat(relay.getBean(RelayMetrics.class).completedWithoutChunks()).isEqualTo(before + 1);
    }
  }

  @Test
  void aNonRetryableRunOrphanedByADeadExecutorIsFailedAndItsClientsToldSo() {
    String thread = fixtures.thread();
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "launch the daemon", false, false);
      fixtures.markRunning(runId, "executor-dead", java.time.Instant.now().plusSeconds(60));

      await().atMost(Duration.ofSeconds(3)).until(live::hasTerminal);

      assertThat(fixtures.run(runId).status()).isEqualTo("failed");
      assertThat(live.events())
          .containsExactly(
              new ReplyEvent.Reset(runId, 2),
              new ReplyEvent.RunError(
                  runId,
                  2,
                  dev.threadline.relay.store.TakenOverRun.NOT_RETRYABLE_ERROR,
                  false,
                  RunProcessor.NOT_RETRYABLE_CODE));
      assertThat(MODEL.callsFor("launch the daemon")).isZero();
    }
  }

  @Test
  void aRunLongerThanItsLeaseKeepsItsEpochBecauseTheLeaseIsRenewed() {
    String thread = fixtures.thread();
    // 4.5 s of streaming against a 4 s lease renewed every 500 ms
    MODEL.script("a long answer", ScriptedCompletionClient.slowly(30, Duration.ofMillis(150)));
    UUID runId = fixtures.queueRun(thread, "a long answer", true, true);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fixtures.run(runId).status().equals("completed"));

    assertThat(fixtures.run(runId).epoch()).isEqualTo(1);
    assertThat(fixtures.run(runId).chunksPublished()).isEqualTo(30);
  }
}
