package dev.threadline.relay.run;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.bus.NatsConnection;
import dev.threadline.relay.store.RunStoreException;
import dev.threadline.relay.support.FaultyRunStore;
import dev.threadline.relay.support.LiveReplies;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.ScriptedCompletionClient.Behaviour;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A run whose work breaks in a way nobody planned for (a bug, an Error, the database failing while
 * the run is being ended) is retried at once at a higher epoch, or failed when it may not run
 * twice, instead of sitting until its lease (4 s here) expires.
 */
class UnexpectedFailureIntegrationTest {

  /** Well under the 4 s lease: proves the run was released, not found by a takeover. */
  private static final Duration AT_ONCE = Duration.ofMillis(2500);

  private static final ScriptedCompletionClient MODEL = new ScriptedCompletionClient();
  private static TestDatabase database;
  private static ReplyStreamNames names;
  private static RunFixtures fixtures;
  private static FaultyRunStore store;
  private static ApplicationContext relay;
  private static NatsConnection nats;
  private static ReplyEventCodec codec;

  @BeforeAll
  static void start() {
    database = TestDatabase.createMigrated();
    names = TestReplyStream.unique();
    fixtures = new RunFixtures(database);
    store = new FaultyRunStore(fixtures);
    relay =
        TestRelay.start(
            TestRelay.properties(database, names, "relay-unexpected", Map.of()),
            MODEL,
            store.store());
    nats = relay.getBean(NatsConnection.class);
    codec = relay.getBean(ReplyEventCodec.class);
  }

  @AfterAll
  static void stop() throws Exception {
    nats.connection().jetStreamManagement().deleteStream(names.stream());
    relay.close();
    fixtures.close();
    database.close();
  }

  private static Behaviour throwing(Throwable thrown) {
    return (request, sink, abort) -> {
      sink.onDelta("half ");
      if (thrown instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw (Error) thrown;
    };
  }

  private LiveReplies follow(String thread) {
    return new LiveReplies(nats.connection(), names, codec, new ThreadId(thread));
  }

  private void assertRetriedAtOnceAndCompleted(String prompt, UUID runId, LiveReplies live) {
    await().atMost(AT_ONCE).until(live::hasTerminal);
    assertThat(live.events())
        .containsExactly(
            new ReplyEvent.Reset(runId, 1),
            new ReplyEvent.Chunk(runId, 1, 0, "half "),
            new ReplyEvent.RunError(
                runId, 1, "the relay failed unexpectedly", true, "relay_failure"),
            new ReplyEvent.Reset(runId, 2),
            new ReplyEvent.Chunk(runId, 2, 0, "whole"),
            new ReplyEvent.Done(runId, 2, fixtures.assistantMessageId(runId), "stop"));
    assertThat(fixtures.run(runId).status()).isEqualTo("completed");
    assertThat(fixtures.run(runId).attempts()).isEqualTo(2);
    assertThat(MODEL.callsFor(prompt)).isEqualTo(2);
  }

  private static String expectedError(LiveReplies live) {
    return live.events().stream()
        .filter(e -> e instanceof ReplyEvent.RunError)
        .map(e -> ((ReplyEvent.RunError) e).message())
        .findFirst()
        .orElse("?");
  }

  @Test
  void aRuntimeExceptionFromTheModelClientIsAFailedAttemptRetriedAtOnce() {
    String thread = fixtures.thread();
    MODEL.script("npe", throwing(new NullPointerException("bug")), deltas("whole"));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "npe", true, true);

      assertRetriedAtOnceAndCompleted("npe", runId, live);
      assertThat(expectedError(live))
          .as("clients are told no internals")
          .isEqualTo("the relay failed unexpectedly");
    }
  }

  @Test
  void anErrorFromTheModelClientIsAFailedAttemptRetriedAtOnce() {
    String thread = fixtures.thread();
    MODEL.script("assert", throwing(new AssertionError("bug")), deltas("whole"));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "assert", true, true);

      assertRetriedAtOnceAndCompleted("assert", runId, live);
    }
  }

  @Test
  void aFailureLoadingTheHistoryIsAFailedAttemptRetriedAtOnce() {
    String thread = fixtures.thread();
    store.failNext("history", () -> new IllegalStateException("history broke"));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "history", true, true);

      await().atMost(AT_ONCE).until(live::hasTerminal);
      assertThat(live.events()).first().isEqualTo(new ReplyEvent.Reset(runId, 1));
      assertThat(live.events()).last().isInstanceOf(ReplyEvent.Done.class);
      assertThat(fixtures.run(runId).status()).isEqualTo("completed");
      assertThat(fixtures.run(runId).epoch()).isEqualTo(2);
    }
  }

  @Test
  void aRunWhoseRestartBrokeIsRetriedOnceMoreRatherThanLeftToItsLease() {
    String thread = fixtures.thread();
    MODEL.script("restart", throwing(new IllegalStateException("bug")), deltas("whole"));
    store.failNext("restart", () -> new RunStoreException("connection reset", null));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "restart", true, true);

      await().atMost(AT_ONCE).until(live::hasTerminal);
      assertThat(live.events()).last().isInstanceOf(ReplyEvent.Done.class);
      assertThat(fixtures.run(runId).status()).isEqualTo("completed");
      assertThat(fixtures.assistantMessages(runId)).containsExactly("whole");
    }
  }

  @Test
  void aNonRetryableRunThatBrokeUnexpectedlyFailsAtOnce() {
    String thread = fixtures.thread();
    MODEL.script("daemon", throwing(new IllegalStateException("bug")));
    try (LiveReplies live = follow(thread)) {
      UUID runId = fixtures.queueRun(thread, "daemon", false, true);

      await().atMost(AT_ONCE).until(live::hasTerminal);
      assertThat(live.events())
          .last()
          .isInstanceOfSatisfying(
              ReplyEvent.RunError.class,
              e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.epoch()).isEqualTo(1);
              });
      assertThat(fixtures.run(runId).status()).isEqualTo("failed");
      assertThat(fixtures.run(runId).error()).contains("not retryable");
      assertThat(MODEL.callsFor("daemon")).isEqualTo(1);
    }
  }
}
