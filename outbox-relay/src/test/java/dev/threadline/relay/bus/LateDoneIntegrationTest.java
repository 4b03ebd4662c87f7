package dev.threadline.relay.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.completion.CompletionResult;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.run.InFlightRuns;
import dev.threadline.relay.run.LateDonePublisher;
import dev.threadline.relay.support.ReplyReader;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.PrivateNatsServer;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The database is right once the run committed: a {@code done} the broker could not take is
 * published in the background when it comes back, exactly once, without holding a worker slot.
 */
class LateDoneIntegrationTest {

  private static final ScriptedCompletionClient MODEL = new ScriptedCompletionClient();

  private static TestDatabase database;
  private static PrivateNatsServer broker;
  private static ReplyStreamNames names;
  private static RunFixtures fixtures;
  private static ApplicationContext relay;

  @BeforeAll
  static void start() {
    database = TestDatabase.createMigrated();
    broker = PrivateNatsServer.start();
    names = TestReplyStream.unique();
    fixtures = new RunFixtures(database);
    relay =
        TestRelay.start(
            TestRelay.properties(
                database,
                names,
                "relay-late-done",
                Map.of("nats.url", broker.url(), "threadline.relay.publish-timeout", "1s")),
            MODEL);
  }

  @AfterAll
  static void stop() {
    relay.close();
    broker.close();
    fixtures.close();
    database.close();
  }

  @Test
  void aDoneTheBrokerMissedIsPublishedOnceWhenItComesBack() {
    String thread = fixtures.thread();
    // the model answers, then the broker goes away before the relay commits and publishes done
    MODEL.script(
        "answer, then lose the broker",
        (request, sink, abort) -> {
          sink.onDelta("all ");
          sink.onDelta("there");
          broker.stop();
          return new CompletionResult("stop", 3, 2);
        });
    UUID runId = fixtures.queueRun(thread, "answer, then lose the broker", true, true);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fixtures.run(runId).status().equals("completed"));
    // the worker slot is free while done waits for the broker: after the publish timeout (1 s
    // here) plus, while disconnected, up to the NATS connection timeout (5 s) of one attempt
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> relay.getBean(InFlightRuns.class).find(runId).isEmpty());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> relay.getBean(LateDonePublisher.class).pending() > 0);
    assertThat(fixtures.run(runId).attempts()).as("a committed run is never retried").isEqualTo(1);

    broker.startProcess();

    ReplyReader reader =
        new ReplyReader(
            relay.getBean(NatsConnection.class).connection(),
            names,
            relay.getBean(ReplyEventCodec.class));
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> reader.events(new ThreadId(thread)).stream().anyMatch(ReplyEvent::terminal));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> relay.getBean(LateDonePublisher.class).pending() == 0);
    List<ReplyEvent> events = reader.events(new ThreadId(thread));
    assertThat(events)
        .containsExactly(
            new ReplyEvent.Reset(runId, 1),
            new ReplyEvent.Chunk(runId, 1, 0, "all "),
            new ReplyEvent.Chunk(runId, 1, 1, "there"),
            new ReplyEvent.Done(runId, 1, fixtures.assistantMessageId(runId), "stop"));
  }
}
