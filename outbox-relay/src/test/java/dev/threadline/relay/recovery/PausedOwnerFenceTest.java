package dev.threadline.relay.recovery;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static dev.threadline.relay.support.ScriptedCompletionClient.slowly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.run.InFlightRuns;
import dev.threadline.relay.support.FrozenLeases;
import dev.threadline.relay.support.JetStreamTail;
import dev.threadline.relay.support.PausingStartListener;
import dev.threadline.relay.support.PausingStartListener.Pause;
import dev.threadline.relay.support.PausingStartListener.Step;
import dev.threadline.relay.support.ReplyReader;
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

/**
 * Two relays, one paused at the start of a run (after its claim, before its reset) for longer than
 * its lease: a survivor takes the run over and finishes it, the thread's next run begins, and then
 * the paused owner wakes up. The next run's clients see nothing of the old one and its owner is
 * never refused.
 */
class PausedOwnerFenceTest {

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

  @Test
  void anOwnerWokenAfterTheNextRunBeganNeitherRemovesNorPrecedesItsEvents() {
    String thread = fixtures.thread();
    MODEL.script("first", deltas("first ", "answer"));
    MODEL.script("second", slowly(20, Duration.ofMillis(50)));
    PausingStartListener pauses = new PausingStartListener();
    Pause paused = pauses.pauseNext(Step.BEFORE_RESET);
    Map<String, Object> timings =
        Map.of("threadline.relay.lease", "2s", "threadline.relay.lease-renewal", "500ms");
    // paused as a whole: its one worker slot held, its takeover scanner as good as asleep
    Map<String, Object> frozen = new java.util.HashMap<>(timings);
    frozen.put("threadline.relay.max-concurrent-runs", 1);
    frozen.put("threadline.relay.takeover-scan", "1h");
    try (ApplicationContext stale =
        TestRelay.start(
            TestRelay.properties(database, names, "relay-paused", frozen),
            MODEL,
            FrozenLeases.store(fixtures),
            pauses)) {
      UUID first = fixtures.queueRun(thread, "first", true, true);
      await().atMost(Duration.ofSeconds(5)).until(paused::reached);

      try (ApplicationContext survivor =
          TestRelay.start(
              TestRelay.properties(database, names, "relay-survivor", timings), MODEL)) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> fixtures.run(first).status().equals("completed"));
        assertThat(fixtures.run(first).executorId()).isEqualTo("relay-survivor");

        UUID second = fixtures.queueRun(thread, "second", true, true);
        try (JetStreamTail tail = new JetStreamTail(nats, names, CODEC, new ThreadId(thread))) {
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> tail.events().contains(new ReplyEvent.Chunk(second, 1, 0, "d0 ")));

          paused.release();
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> stale.getBean(InFlightRuns.class).find(first).isEmpty());
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> fixtures.run(second).status().equals("completed"));
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> tail.events().stream().anyMatch(ReplyEvent::terminal));

          List<ReplyEvent> seen = tail.events();
          int reset = seen.indexOf(new ReplyEvent.Reset(second, 1));
          assertThat(seen.subList(0, reset))
              .as("before the next run: the survivor's epoch of the first run only")
              .allMatch(e -> e.runId().equals(first) && e.epoch() == 2);
          List<ReplyEvent> fromReset = seen.subList(reset, seen.size());
          assertThat(fromReset).allMatch(e -> e.runId().equals(second) && e.epoch() == 1);
          assertThat(fromReset).last().isInstanceOf(ReplyEvent.Done.class);
          assertThat(fromReset).filteredOn(ReplyEvent.Chunk.class::isInstance).hasSize(20);
          assertThat(new ReplyReader(nats, names, CODEC).events(new ThreadId(thread)))
              .as("a late attacher replays the next run alone")
              .isEqualTo(fromReset);
          assertThat(fixtures.run(second).epoch())
              .as("never refused, never taken over")
              .isEqualTo(1);
          assertThat(fixtures.run(second).chunksPublished()).isEqualTo(20);
          assertThat(MODEL.callsFor("first"))
              .as("the paused owner never asked the model")
              .isEqualTo(1);
        }
      }
    }
  }
}
