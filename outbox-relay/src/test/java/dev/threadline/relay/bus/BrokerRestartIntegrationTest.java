package dev.threadline.relay.bus;

import static dev.threadline.relay.support.ScriptedCompletionClient.slowly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
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
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lesson 8: the relay's publishing survives a broker restart under it, mid-run. */
class BrokerRestartIntegrationTest {

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
                "relay-broker",
                Map.of("nats.url", broker.url(), "threadline.relay.publish-timeout", "15s")),
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
  void aRunStreamingWhileTheBrokerRestartsPublishesEveryEventOnceInOrder() {
    String thread = fixtures.thread();
    MODEL.script("through the storm", slowly(12, Duration.ofMillis(100)));
    UUID runId = fixtures.queueRun(thread, "through the storm", true, true);
    ReplyReader reader =
        new ReplyReader(
            relay.getBean(NatsConnection.class).connection(),
            names,
            relay.getBean(ReplyEventCodec.class));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> reader.events(new ThreadId(thread)).size() >= 3);

    broker.restart();

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> fixtures.run(runId).status().equals("completed"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> reader.events(new ThreadId(thread)).stream().anyMatch(ReplyEvent::terminal));
    List<ReplyEvent> events = reader.events(new ThreadId(thread));
    String expected =
        IntStream.range(0, 12).mapToObj(i -> "d" + i + " ").collect(Collectors.joining());
    assertThat(events).first().isEqualTo(new ReplyEvent.Reset(runId, 1));
    assertThat(events).last().isInstanceOf(ReplyEvent.Done.class);
    assertThat(events).hasSize(14);
    assertThat(
            events.stream()
                .filter(e -> e instanceof ReplyEvent.Chunk)
                .map(e -> ((ReplyEvent.Chunk) e).delta())
                .collect(Collectors.joining()))
        .isEqualTo(expected)
        .isEqualTo(fixtures.assistantMessages(runId).get(0));
  }
}
