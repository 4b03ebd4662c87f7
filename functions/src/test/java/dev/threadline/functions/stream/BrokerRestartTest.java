package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.SseClient.SseEvent;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import dev.threadline.testsupport.PrivateNatsServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.nats.client.api.ConsumerInfo;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Lesson 8: an attached client keeps receiving across a NATS restart; health follows the broker.
 * The database's word on a followed run (checked every 300 ms here, no grace) never overtakes
 * events still on the subject that a client's tail has not read.
 */
@MicronautTest
class BrokerRestartTest extends ApiTestBase {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final PrivateNatsServer broker = PrivateNatsServer.start();

  @Inject ReplyEventCodec codec;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new java.util.HashMap<>(super.getProperties());
    properties.put("nats.url", broker.url());
    // eager database checks: a tail left behind would lose the race to a synthesised end at once
    properties.put("threadline.stream.run-check-interval", "300ms");
    properties.put("threadline.stream.terminal-grace", "0s");
    return properties;
  }

  @Override
  protected String natsUrl() {
    return broker.url();
  }

  @AfterAll
  void stopBroker() {
    broker.close();
  }

  @Test
  void anAttachedStreamResumesAfterTheBrokerRestartsAndHealthFollowsTheBroker() throws Exception {
    String token = TestTokens.forOwner("frank");
    ThreadId thread = new ThreadId(createThread("frank"));
    try (ReplyPublisher relay = new ReplyPublisher(names, codec, broker.url());
        SseClient sse = SseClient.open(api, "/v1/threads/" + thread + "/stream", token, null)) {
      assertThat(sse.nextLine(Duration.ofSeconds(10))).isEqualTo(": attached");
      UUID run = UUID.randomUUID();
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "before "));
      assertThat(sse.nextEvent(Duration.ofSeconds(10)).event()).isEqualTo("reset");
      assertThat(sse.nextEvent(Duration.ofSeconds(10)).event()).isEqualTo("chunk");

      broker.stop();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/health", null).statusCode() == 503);
      broker.startProcess();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> api.get("/health", null).statusCode() == 200);

      awaitJetStream(relay);
      relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "after"));
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));

      List<SseEvent> rest = sse.eventsUntilEnd(Duration.ofSeconds(60));
      assertThat(rest).extracting(SseEvent::event).containsExactly("chunk", "done");
      assertThat(rest.get(0).data()).contains("after");
    }
  }

  @Test
  void aClientAttachedAcrossARestartMidRunGetsEveryChunkPublishedAfterIt() throws Exception {
    String token = TestTokens.forOwner("grace");
    String threadId = createThread("grace");
    ThreadId thread = new ThreadId(threadId);
    UUID run = submit("grace", threadId, "across the restart");
    execute(
        "update runs set status = 'running', executor_id = 'test', epoch = 1,"
            + " lease_expires_at = now() + interval '1 hour' where id = '"
            + run
            + "'");
    try (ReplyPublisher relay = new ReplyPublisher(names, codec, broker.url());
        SseClient sse = SseClient.open(api, "/v1/threads/" + thread + "/stream", token, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "c0 "));
      assertThat(sse.nextEvent(WAIT).event()).isEqualTo("reset");
      assertThat(sse.nextEvent(WAIT).event()).isEqualTo("chunk");

      broker.stop();
      broker.startProcess();
      long restartedAt = System.nanoTime();
      // the relay publishes the rest as soon as the broker takes it, commits, then announces done
      StringBuilder content = new StringBuilder("c0 ");
      awaitJetStream(relay);
      for (int index = 1; index < 20; index++) {
        relay.publish(thread, new ReplyEvent.Chunk(run, 1, index, "c" + index + " "));
        content.append("c").append(index).append(' ');
      }
      UUID message = commitCompleted(threadId, run, content.toString(), "0 seconds");
      long done = relay.publish(thread, new ReplyEvent.Done(run, 1, message, "stop"));

      List<SseEvent> rest = sse.eventsUntilEnd(WAIT);
      System.out.printf(
          "broker restart to the end of the attached client: %d ms%n",
          (System.nanoTime() - restartedAt) / 1_000_000);
      assertThat(rest)
          .extracting(SseEvent::event)
          .as("events: %s", rest)
          .containsExactlyElementsOf(
              Stream.concat(Collections.nCopies(19, "chunk").stream(), Stream.of("done")).toList());
      assertThat(rest.get(rest.size() - 1).id()).as("the real done").isEqualTo(Long.toString(done));
      assertThat("c0 " + deltas(rest)).isEqualTo(content.toString());
    }
  }

  @Test
  void chunksOnTheSubjectThatAClientsTailMissedComeBeforeAnEndSynthesisedFromTheRow()
      throws Exception {
    String token = TestTokens.forOwner("grace");
    String threadId = createThread("grace");
    ThreadId thread = new ThreadId(threadId);
    UUID run = submit("grace", threadId, "a consumer that vanished");
    execute(
        "update runs set status = 'running', executor_id = 'test', epoch = 2,"
            + " lease_expires_at = now() + interval '1 hour' where id = '"
            + run
            + "'");
    try (ReplyPublisher relay = new ReplyPublisher(names, codec, broker.url());
        SseClient sse = SseClient.open(api, "/v1/threads/" + thread + "/stream", token, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      relay.publish(thread, new ReplyEvent.Reset(run, 2));
      relay.publish(thread, new ReplyEvent.Chunk(run, 2, 0, "Hel"));
      assertThat(sse.nextEvent(WAIT).event()).isEqualTo("reset");
      assertThat(sse.nextEvent(WAIT).event()).isEqualTo("chunk");

      // the client's consumer is gone on the server (as after a restart) but the connection
      // never dropped: no reconnect tells the tail, only the subject's last sequence does
      deleteConsumersOf(relay, thread);
      relay.publish(thread, new ReplyEvent.Chunk(run, 2, 1, "lo, "));
      relay.publish(thread, new ReplyEvent.Chunk(run, 2, 2, "world"));
      // committed a while ago; the done never reached the bus
      UUID message = commitCompleted(threadId, run, "Hello, world", "1 minute");

      List<SseEvent> rest = sse.eventsUntilEnd(WAIT);

      assertThat(rest)
          .extracting(SseEvent::event)
          .as("events: %s", rest)
          .containsExactly("chunk", "chunk", "done");
      assertThat("Hel" + deltas(rest)).isEqualTo("Hello, world");
      assertThat(rest.get(2).id()).as("synthesised from the row: no id").isNull();
      assertThat(rest.get(2).data()).contains(message.toString());
    }
  }

  /**
   * Until the publisher's connection is back and JetStream answers: a publish retried blindly could
   * be stored twice (its ack lost in the reconnect), which the relay's fencing prevents.
   */
  private void awaitJetStream(ReplyPublisher relay) {
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> relay.management().getStreamInfo(names.stream()) != null);
  }

  /** What the relay's completion commits: the assistant message, the run completed. */
  private UUID commitCompleted(String threadId, UUID run, String content, String ago) {
    UUID message = UUID.randomUUID();
    execute(
        "insert into messages (id, thread_id, role, content, run_id, created_at) values ('"
            + message
            + "', '"
            + threadId
            + "', 'assistant', '"
            + content.replace("'", "''")
            + "', '"
            + run
            + "', now())");
    execute(
        "update runs set status = 'completed', finish_reason = 'stop', finished_at = now() -"
            + " interval '"
            + ago
            + "', executor_id = null, lease_expires_at = null where id = '"
            + run
            + "'");
    return message;
  }

  private void deleteConsumersOf(ReplyPublisher relay, ThreadId thread) throws Exception {
    String subject = names.subjectFor(thread);
    int deleted = 0;
    for (String name : relay.consumerNames()) {
      ConsumerInfo info = relay.management().getConsumerInfo(names.stream(), name);
      if (subject.equals(info.getConsumerConfiguration().getFilterSubject())) {
        relay.management().deleteConsumer(names.stream(), name);
        deleted++;
      }
    }
    assertThat(deleted).as("the attached client's consumer").isEqualTo(1);
  }

  private String deltas(List<SseEvent> events) {
    StringBuilder text = new StringBuilder();
    for (SseEvent event : events) {
      if ("chunk".equals(event.event())) {
        text.append(read(event.data()).get("delta").getStringValue());
      }
    }
    return text.toString();
  }
}
