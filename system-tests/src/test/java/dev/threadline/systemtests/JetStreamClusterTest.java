package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.threadline.testsupport.PrivateNatsCluster;
import dev.threadline.testsupport.PrivateNatsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The production topology of the bus: a 3-node JetStream cluster, the reply stream with three
 * replicas, every process given all three URLs in {@code NATS_URL}. Nodes die mid-reply (the
 * stream's leader first, then another): every run completes once, and clients that attached early,
 * right after the kill, or resume with {@code Last-Event-ID} see the stored reply once.
 */
@Tag("processes")
@Tag("soak") // not yet reliable: see the README's "Production topology, tested here"
@Timeout(400)
class JetStreamClusterTest {

  private static final Duration ATTACH = Duration.ofSeconds(15);
  private static final Duration RUN = Duration.ofSeconds(90);
  private static final String LONG_REPLY = "[chunks=120 delay=40ms]";

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack = Stack.builder().natsCluster(3).functions(2).relays(2).mock(20, 20).start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void repliesSurviveTheLossOfTheStreamLeaderAndOfAnotherNodeAfterItsReturn() {
    PrivateNatsCluster cluster = stack.natsCluster();
    String stream = stack.replies().stream();
    cluster.awaitStreamCurrent(stream, Duration.ofSeconds(30));

    PrivateNatsServer leader = cluster.leaderOf(stream);
    replyOutlivesTheKillOf(leader, "the stream's leader");

    leader.startProcess();
    cluster.awaitStreamCurrent(stream, Duration.ofSeconds(60));
    stack.awaitAllHealthy(Duration.ofSeconds(60));

    PrivateNatsServer other =
        cluster.nodes().stream()
            // neither the new leader nor the node killed first: each kill hits another node
            .filter(node -> node != cluster.leaderOf(stream) && node != leader)
            .findFirst()
            .orElseThrow();
    replyOutlivesTheKillOf(other, "a node that does not lead the stream");
    other.startProcess();
    cluster.awaitStreamCurrent(stream, Duration.ofSeconds(60));

    // and the cluster, whole again, goes on serving new replies
    ApiClient a = stack.api(0);
    String thread = a.createThread();
    try (SseClient client = SseClient.attach(stack.api(1), thread).awaitAttached(ATTACH)) {
      String runId = a.postMessage(thread, "after both returns").path("runId").asText();
      client.awaitEnd(RUN);
      assertShowsStoredReplyOnce(client.events(), a, thread, runId, "after both returns");
    }
  }

  /**
   * Mid-reply, SIGKILLs {@code node}; then attaches a late client at once and one that resumes from
   * an event seen before the kill. All three must show the stored reply once.
   */
  private static void replyOutlivesTheKillOf(PrivateNatsServer node, String which) {
    ApiClient a = stack.api(0);
    ApiClient b = stack.api(1);
    String thread = a.createThread();
    try (SseClient early = SseClient.attach(a, thread).awaitAttached(ATTACH)) {
      String runId =
          a.postMessage(thread, "through the kill of " + which + " " + LONG_REPLY)
              .path("runId")
              .asText();
      early.awaitChunks(10, RUN);
      List<SseEvent> beforeKill = new ArrayList<>(early.events().subList(0, 6));

      long killedAt = System.nanoTime();
      node.kill();

      // attaches right after the kill: the stream must open at once, whatever the broker does
      try (SseClient late = SseClient.attach(b, thread).awaitAttached(ATTACH);
          SseClient resumed =
              SseClient.attach(b, thread, beforeKill.get(5).id(), false).awaitAttached(ATTACH)) {
        await("run " + runId + " ended after the kill of " + which)
            .atMost(RUN)
            .until(
                () ->
                    !List.of("queued", "running")
                        .contains(a.run(thread, runId).path("status").asText()));
        JsonNode run = a.run(thread, runId);
        assertThat(run.path("status").asText()).as("run %s", run).isEqualTo("completed");
        early.awaitEnd(RUN);
        late.awaitEnd(RUN);
        resumed.awaitEnd(RUN);
        System.out.printf(
            "CLUSTER: killed %s (%s); run ended %d ms later at epoch %d%n",
            node.name(),
            which,
            (System.nanoTime() - killedAt) / 1_000_000,
            run.path("epoch").asLong());

        assertShowsStoredReplyOnce(early.events(), a, thread, runId, "early client");
        assertShowsStoredReplyOnce(late.events(), a, thread, runId, "client attached after kill");
        List<SseEvent> resumedWhole = new ArrayList<>(beforeKill);
        resumedWhole.addAll(resumed.events());
        assertShowsStoredReplyOnce(resumedWhole, a, thread, runId, "Last-Event-ID client");
      }
    }
  }

  private static void assertShowsStoredReplyOnce(
      List<SseEvent> events, ApiClient api, String thread, String runId, String who) {
    JsonNode stored = api.assistantMessageOf(thread, runId);
    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);
    assertThat(assembler.violations()).as("%s: events %s", who, events).isEmpty();
    assertThat(assembler.text(runId)).as(who).isEqualTo(stored.path("content").asText());
    assertThat(assembler.done(runId))
        .as(who)
        .hasValueSatisfying(
            done ->
                assertThat(done.path("messageId").asText()).isEqualTo(stored.path("id").asText()));
  }
}
