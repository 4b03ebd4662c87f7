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
import io.nats.client.Nats;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Wake-up off (the benchmark baseline): runs are still claimed, by polling, and cancels heard. */
class PollOnlyClaimingTest {

  @Test
  void withWakeUpOffARunQueuedWithoutANotificationIsClaimedByThePoll() throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    ScriptedCompletionClient model = new ScriptedCompletionClient();
    try (TestDatabase database = TestDatabase.createMigrated();
        RunFixtures fixtures = new RunFixtures(database);
        ApplicationContext relay =
            TestRelay.start(
                TestRelay.properties(
                    database,
                    names,
                    "relay-poll",
                    Map.of(
                        "threadline.relay.wake-up", "false",
                        "threadline.relay.poll-interval", "200ms")),
                model)) {
      String thread = fixtures.thread();
      UUID runId = fixtures.queueRun(thread, "no bell rang", true, false);

      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> fixtures.run(runId).status().equals("completed"));
      assertThat(fixtures.assistantMessages(runId)).containsExactly("Echo: no bell rang");
    } finally {
      try (var nats = Nats.connect("nats://127.0.0.1:4222")) {
        nats.jetStreamManagement().deleteStream(names.stream());
      }
    }
  }
}
