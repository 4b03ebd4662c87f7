package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.RawSseSocket;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Open streams per owner (429) and per instance (503), each with Retry-After. */
@MicronautTest
class StreamLimitsTest extends ApiTestBase {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @Inject StreamLimits limits;
  @Inject ReplyEventCodec codec;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("threadline.max-streams-per-owner", "2");
    properties.put("threadline.max-streams", "3");
    return properties;
  }

  @Test
  void anOwnerPastItsStreamsGets429WithRetryAfterAndAnEndedStreamGivesItsPlaceBack()
      throws Exception {
    String owner = "limited-" + UUID.randomUUID();
    ThreadId thread = new ThreadId(createThread(owner));
    UUID run = submit(owner, thread.value(), "hi");
    List<RawSseSocket> open = new ArrayList<>();
    try (ReplyPublisher relay = new ReplyPublisher(names, codec)) {
      open.add(openRaw(owner, thread));
      open.add(openRaw(owner, thread));

      HttpResponse<String> refused = stream(owner, thread);
      assertProblem(refused, 429, "THREADLINE_MAX_STREAMS_PER_OWNER");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");

      // one stream ends with its run, one client leaves: both places come back, once each
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));
      assertThat(open.get(0).ended(WAIT)).isTrue();
      open.get(1).close();
      await().atMost(WAIT).until(() -> limits.open(owner) == 0);
      assertThat(limits.open()).isZero();
      ThreadId idle = new ThreadId(createThread(owner));
      open.add(openRaw(owner, idle));
      open.add(openRaw(owner, idle));
      assertThat(limits.open(owner)).isEqualTo(2);
    } finally {
      open.forEach(RawSseSocket::close);
    }
    await().atMost(WAIT).until(() -> limits.open() == 0);
  }

  @Test
  void anInstancePastItsStreamsGets503WithRetryAfter() {
    List<RawSseSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        String owner = "many-" + i + "-" + UUID.randomUUID();
        open.add(openRaw(owner, new ThreadId(createThread(owner))));
      }
      String another = "another-" + UUID.randomUUID();
      HttpResponse<String> refused = stream(another, new ThreadId(createThread(another)));

      assertProblem(refused, 503, null);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(limits.open(another)).as("a refused stream holds no place").isZero();
    } finally {
      open.forEach(RawSseSocket::close);
    }
    await().atMost(WAIT).until(() -> limits.open() == 0);
  }

  @Test
  void aStreamOfAThreadThatIsNotTheOwnersTakesNoPlace() {
    String owner = "nobody-" + UUID.randomUUID();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> missing = stream(owner, new ThreadId("t-missing-" + i));
      assertThat(missing.statusCode()).isEqualTo(404);
    }
    assertThat(limits.open(owner)).isZero();
  }

  @Test
  void aLimitBelowOneStopsTheStartNamingItsVariable() {
    for (String property : List.of("threadline.max-streams", "threadline.max-streams-per-owner")) {
      Map<String, Object> properties = new HashMap<>(getProperties());
      properties.put(property, "0");
      assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, properties).close())
          .hasStackTraceContaining(
              property.endsWith("owner")
                  ? "THREADLINE_MAX_STREAMS_PER_OWNER"
                  : "THREADLINE_MAX_STREAMS ");
    }
  }

  private RawSseSocket openRaw(String owner, ThreadId thread) {
    return RawSseSocket.open(
        server.getURI(), "/v1/threads/" + thread + "/stream", TestTokens.forOwner(owner));
  }

  private HttpResponse<String> stream(String owner, ThreadId thread) {
    return api.send(
        api.request("/v1/threads/" + thread + "/stream", TestTokens.forOwner(owner))
            .header("Accept", "text/event-stream")
            .GET()
            .build());
  }
}
