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
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Lesson 8: an attached client keeps receiving across a NATS restart; health follows the broker. */
@MicronautTest
class BrokerRestartTest extends ApiTestBase {

  private final PrivateNatsServer broker = PrivateNatsServer.start();

  @Inject ReplyEventCodec codec;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new java.util.HashMap<>(super.getProperties());
    properties.put("nats.url", broker.url());
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
      await().atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/health", null).statusCode() == 503);
      broker.startProcess();
      await().atMost(Duration.ofSeconds(20))
          .until(() -> api.get("/health", null).statusCode() == 200);

      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
        relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "after"));
        return true;
      });
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));

      List<SseEvent> rest = sse.eventsUntilEnd(Duration.ofSeconds(60));
      assertThat(rest).extracting(SseEvent::event).containsExactly("chunk", "done");
      assertThat(rest.get(0).data()).contains("after");
    }
  }
}
