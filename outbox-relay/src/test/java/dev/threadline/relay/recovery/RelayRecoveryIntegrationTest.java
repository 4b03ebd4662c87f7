package dev.threadline.relay.recovery;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static dev.threadline.relay.support.ScriptedCompletionClient.endless;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.support.LiveReplies;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.serde.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Relays that stop, restart, collide and lose their database sessions, in one JVM. */
class RelayRecoveryIntegrationTest {

  private static final ScriptedCompletionClient MODEL = new ScriptedCompletionClient();
  private static final ReplyEventCodec CODEC = new ReplyEventCodec(ObjectMapper.getDefault());

  private static TestDatabase database;
  private static ReplyStreamNames names;
  private static RunFixtures fixtures;
  private static Connection nats;

  @BeforeAll
  static void setUp() throws Exception {
    database = TestDatabase.createMigrated();
    names = TestReplyStream.unique();
    fixtures = new RunFixtures(database);
    nats = Nats.connect("nats://127.0.0.1:4222");
  }

  @AfterAll
  static void tearDown() throws Exception {
    nats.jetStreamManagement().deleteStream(names.stream());
    nats.close();
    fixtures.close();
    database.close();
  }

  private static ApplicationContext relay(String executorId) {
    return relay(executorId, Map.of());
  }

  private static ApplicationContext relay(String executorId, Map<String, Object> extra) {
    return TestRelay.start(TestRelay.properties(database, names, executorId, extra), MODEL);
  }

  private static LiveReplies follow(String thread) {
    return new LiveReplies(nats, names, CODEC, new ThreadId(thread));
  }

  private static void awaitChunk(LiveReplies live) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> live.events().stream().anyMatch(e -> e instanceof ReplyEvent.Chunk));
  }

  @Test
  void aSurvivorResumesTheRunsOfAStoppedRelayWithinTwoSecondsAtAHigherEpoch() {
    String thread = fixtures.thread();
    MODEL.script("survive me", endless(Duration.ofMillis(20)), deltas("resumed ", "answer"));
    try (LiveReplies live = follow(thread)) {
      ApplicationContext first = relay("relay-first");
      UUID runId = fixtures.queueRun(thread, "survive me", true, true);
      awaitChunk(live);
      try (ApplicationContext survivor = relay("relay-survivor")) {
        long stoppedAt = System.nanoTime();
        first.close(); // SIGTERM: aborts in flight, leaves the row, releases the liveness lock

        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> fixtures.run(runId).status().equals("completed"));
        assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt))
            .isLessThan(Duration.ofSeconds(2));
        assertThat(fixtures.run(runId).executorId()).isEqualTo("relay-survivor");
        assertThat(fixtures.run(runId).epoch()).isEqualTo(2);
        assertThat(fixtures.assistantMessages(runId)).containsExactly("resumed answer");
        await().atMost(Duration.ofSeconds(2)).until(live::hasTerminal);
        List<ReplyEvent> events = live.events();
        int reset2 = events.indexOf(new ReplyEvent.Reset(runId, 2));
        assertThat(reset2).isPositive();
        assertThat(events.subList(reset2, events.size()))
            .allMatch(e -> e.epoch() == 2)
            .last()
            .isInstanceOf(ReplyEvent.Done.class);
        assertThat(events.subList(0, reset2)).noneMatch(ReplyEvent::terminal);
      }
    }
  }

  @Test
  void aRelayRestartedWithTheSameExecutorIdRecoversItsOwnRuns() {
    String thread = fixtures.thread();
    MODEL.script("recover me", endless(Duration.ofMillis(20)), deltas("recovered"));
    try (LiveReplies live = follow(thread)) {
      ApplicationContext before = relay("relay-stable");
      UUID runId = fixtures.queueRun(thread, "recover me", true, true);
      awaitChunk(live);
      before.close();
      assertThat(fixtures.run(runId).status()).isEqualTo("running");

      try (ApplicationContext after = relay("relay-stable")) {
        await()
            .atMost(Duration.ofSeconds(3))
            .until(() -> fixtures.run(runId).status().equals("completed"));
        assertThat(fixtures.run(runId).epoch()).isEqualTo(2);
        assertThat(fixtures.run(runId).executorId()).isEqualTo("relay-stable");
        assertThat(fixtures.assistantMessages(runId)).containsExactly("recovered");
      }
    }
  }

  @Test
  void aSecondProcessWithTheSameExecutorIdRefusesToStart() {
    try (ApplicationContext ignored = relay("relay-twin")) {
      assertThatThrownBy(
              () -> relay("relay-twin", Map.of("threadline.relay.liveness-acquire-timeout", "1s")))
          .hasStackTraceContaining("running twice");
    }
  }

  @Test
  void claimingSurvivesTheDatabaseDroppingTheRelaysSessions() {
    try (ApplicationContext relay = relay("relay-dropped")) {
      String thread = fixtures.thread();
      await().atMost(Duration.ofSeconds(3)).until(() -> terminateRelaySessions() >= 2);

      // the LISTEN session comes back (and the poll interval is 30 s): NOTIFY still wakes it
      await().atMost(Duration.ofSeconds(5)).until(() -> relaySessions() >= 2);
      UUID runId = fixtures.queueRun(thread, "after the drop", true, true);
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> fixtures.run(runId).status().equals("completed"));
      assertThat(fixtures.assistantMessages(runId)).containsExactly("Echo: after the drop");
    }
  }

  private static int terminateRelaySessions() {
    return count(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
            + " where datname = current_database() and application_name like 'threadline-relay-%') t");
  }

  private static int relaySessions() {
    return count(
        "select count(*) from pg_stat_activity"
            + " where datname = current_database() and application_name like 'threadline-relay-%'");
  }

  private static int count(String sql) {
    try (var connection = database.connect();
        var statement = connection.createStatement();
        var row = statement.executeQuery(sql)) {
      row.next();
      return row.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
