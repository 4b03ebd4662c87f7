package dev.threadline.relay.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The NATS wake-up ({@code threadline.submit.wake-up: nats}): a run committed without NOTIFY is
 * claimed at once when its wake-up arrives on the wake-up subject, long before the poll.
 */
class NatsWakeUpClaimingTest {

  private static final String NATS_URL = "nats://127.0.0.1:4222";

  @Test
  void aRunQueuedWithoutNotifyIsClaimedWithinSecondsOfItsNatsWakeUpDespiteAMinutePoll()
      throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    try (TestDatabase database = TestDatabase.createMigrated();
        RunFixtures fixtures = new RunFixtures(database);
        Connection nats = Nats.connect(NATS_URL);
        ApplicationContext relay =
            TestRelay.start(
                TestRelay.properties(
                    database,
                    names,
                    "relay-nats-wake",
                    Map.of("threadline.relay.poll-interval", "60s")),
                new ScriptedCompletionClient())) {
      String thread = fixtures.thread();
      awaitStartupClaimRound(fixtures);
      UUID runId = fixtures.queueRun(thread, "rung by NATS", true, false);
      // nothing else wakes the claim loop: without the wake-up the run would wait a minute
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(2))
          .until(() -> fixtures.run(runId).status().equals("queued"));

      nats.publish(names.wakeUpSubject(), thread.getBytes(StandardCharsets.UTF_8));

      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> fixtures.run(runId).status().equals("completed"));
      assertThat(fixtures.assistantMessages(runId)).containsExactly("Echo: rung by NATS");
    } finally {
      deleteStream(names);
    }
  }

  @Test
  void withWakeUpOffANatsWakeUpIsIgnoredAndTheRunWaitsForThePoll() throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    try (TestDatabase database = TestDatabase.createMigrated();
        RunFixtures fixtures = new RunFixtures(database);
        Connection nats = Nats.connect(NATS_URL);
        ApplicationContext relay =
            TestRelay.start(
                TestRelay.properties(
                    database,
                    names,
                    "relay-nats-off",
                    Map.of(
                        "threadline.relay.wake-up", "false",
                        "threadline.relay.poll-interval", "60s")),
                new ScriptedCompletionClient())) {
      String thread = fixtures.thread();
      awaitStartupClaimRound(fixtures);
      UUID runId = fixtures.queueRun(thread, "nobody listens", true, false);

      nats.publish(names.wakeUpSubject(), thread.getBytes(StandardCharsets.UTF_8));

      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(3))
          .until(() -> fixtures.run(runId).status().equals("queued"));
    } finally {
      deleteStream(names);
    }
  }

  /**
   * The relay claims once when its LISTEN connection opens (whatever was queued meanwhile); a run
   * queued before that round would be claimed without any wake-up. The round follows the LISTEN
   * statements at once, so a run queued after they show is left to the wake-up under test.
   */
  private static void awaitStartupClaimRound(RunFixtures fixtures) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fixtures.countActivity("LISTEN threadline_cancel_requested") > 0);
  }

  private static void deleteStream(ReplyStreamNames names) throws Exception {
    try (Connection nats = Nats.connect(NATS_URL)) {
      nats.jetStreamManagement().deleteStream(names.stream());
    } catch (Exception e) {
      // never created
    }
  }
}
