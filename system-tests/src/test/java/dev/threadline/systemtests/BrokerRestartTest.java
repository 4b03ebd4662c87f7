package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DESIGN lesson 8: every long-lived subscription must survive a broker restart. After nats-server
 * restarts under a running stack, replies still stream to clients and match what is stored.
 */
@Tag("processes")
@Timeout(300)
class BrokerRestartTest {

  private static final Duration ATTACH = Duration.ofSeconds(10);
  private static final Duration RUN = Duration.ofSeconds(60);

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack = Stack.builder().privateNats().functions(2).relays(1).mock(20, 20).start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void repliesStillStreamToClientsOfBothInstancesAfterTheBrokerRestarts() {
    ApiClient a = stack.api(0);
    ApiClient b = a.on(stack.functions(1).url());
    assertReplyStreams(a, b, "before the restart [chunks=20 delay=20ms]");

    stack.nats().restart();
    stack.awaitAllHealthy(Duration.ofSeconds(60));

    assertReplyStreams(a, b, "after the restart [chunks=20 delay=20ms]");
    assertReplyStreams(b, a, "after the restart, other way round [chunks=20 delay=20ms]");
  }

  @Test
  void aClientAttachedWhileTheBrokerRestartsMidRunStillShowsTheStoredMessage() {
    ApiClient a = stack.api(0);
    String thread = a.createThread();
    try (SseClient client = SseClient.attach(a, thread).awaitAttached(ATTACH)) {
      String runId =
          a.postMessage(thread, "across the restart [chunks=100 delay=40ms]")
              .path("runId")
              .asText();
      client.awaitChunks(5, RUN);

      stack.nats().restart();
      long restartedAt = System.nanoTime();
      stack.awaitAllHealthy(Duration.ofSeconds(60));
      org.awaitility.Awaitility.await("the run ended")
          .atMost(RUN)
          .until(
              () ->
                  !List.of("queued", "running")
                      .contains(a.run(thread, runId).path("status").asText()));
      assertThat(a.run(thread, runId).path("status").asText()).isEqualTo("completed");
      JsonNode stored = a.assistantMessageOf(thread, runId);

      // a client that resumes, on the other instance, from an event it saw before the restart
      List<SseEvent> beforeRestart = client.events().subList(0, 5);
      try (SseClient resumed =
          SseClient.attach(stack.api(1), thread, beforeRestart.get(4).id(), false)
              .awaitAttached(ATTACH)) {
        resumed.awaitEnd(RUN);
        ReplyAssembler assembler =
            new ReplyAssembler().acceptAll(beforeRestart).acceptAll(resumed.events());
        assertThat(assembler.violations()).as("events: %s", resumed.events()).isEmpty();
        assertThat(assembler.text(runId)).isEqualTo(stored.path("content").asText());
      }
      // the client attached throughout: its stream must survive the broker's restart
      client.awaitEnd(Duration.ofSeconds(60));
      System.out.printf(
          "broker restart to the end of a client attached throughout: %d ms%n",
          (System.nanoTime() - restartedAt) / 1_000_000);
      ReplyAssembler assembler = new ReplyAssembler().acceptAll(client.events());
      System.out.printf(
          "terminal events sent from the database rather than the bus: %d%n",
          assembler.idlessTerminals());
      assertThat(assembler.violations()).as("events: %s", client.events()).isEmpty();
      assertThat(assembler.text(runId)).isEqualTo(stored.path("content").asText());
      assertThat(assembler.done(runId))
          .hasValueSatisfying(
              done ->
                  assertThat(done.path("messageId").asText())
                      .isEqualTo(stored.path("id").asText()));
    }
  }

  private static void assertReplyStreams(ApiClient poster, ApiClient watcher, String content) {
    String thread = poster.createThread();
    try (SseClient client = SseClient.attach(watcher, thread).awaitAttached(ATTACH)) {
      String runId = poster.postMessage(thread, content).path("runId").asText();
      client.awaitEnd(RUN);
      ReplyAssembler assembler = new ReplyAssembler().acceptAll(client.events());
      JsonNode stored = poster.assistantMessageOf(thread, runId);
      assertThat(assembler.violations()).as("events: %s", client.events()).isEmpty();
      assertThat(assembler.text(runId)).isEqualTo(stored.path("content").asText());
      assertThat(assembler.done(runId)).isPresent();
    }
  }
}
