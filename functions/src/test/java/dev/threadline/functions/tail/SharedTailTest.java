package dev.threadline.functions.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.RawSseSocket;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.SseClient.SseEvent;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attach path's cost follows threads, not clients: asked of the NATS server (consumers) and of
 * the JVM (live threads), with real PostgreSQL and NATS.
 */
@MicronautTest
class SharedTailTest extends ApiTestBase {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String OWNER = "shared-tail";

  @Inject ReplyEventCodec codec;

  private ReplyPublisher relay;
  private final String token = TestTokens.forOwner(OWNER);

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new java.util.HashMap<>(super.getProperties());
    properties.put("threadline.max-streams-per-owner", "1000");
    properties.put("threadline.stream.tail-linger", "500ms");
    return properties;
  }

  @BeforeAll
  void connectRelay() {
    relay = new ReplyPublisher(names, codec);
  }

  @AfterAll
  void closeRelay() throws Exception {
    relay.close();
  }

  @Test
  void clientsOfOneThreadShareOneConsumerAndLateAttachersReplayTheSameEventsFromMemory()
      throws Exception {
    ThreadId thread = new ThreadId(createThread(OWNER));
    UUID run = submit(OWNER, thread.value(), "hi");
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        clients.add(open(thread, ""));
      }
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      for (int i = 0; i < 20; i++) {
        relay.publish(thread, new ReplyEvent.Chunk(run, 1, i, "chunk " + i + " "));
      }
      // wait until the tail read the run so far: the late attachers then replay it from memory
      SseClient first = clients.get(0);
      for (int i = 0; i < 21; i++) {
        assertThat(first.nextEvent(WAIT)).isNotNull();
      }
      for (int i = 0; i < 10; i++) {
        clients.add(open(thread, ""));
      }
      // a tail resumed by its periodic check briefly has two while the old one is deleted
      await().atMost(WAIT).until(() -> consumersOf(Set.of(thread)).size() == 1);
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));

      List<SseEvent> expected = clients.get(1).eventsUntilEnd(WAIT);
      assertThat(expected).hasSize(22);
      for (SseClient client : clients.subList(2, clients.size())) {
        assertThat(client.eventsUntilEnd(WAIT)).isEqualTo(expected);
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  @Test
  void idleFollowStreamsHoldNoConsumer() throws Exception {
    Map<ThreadId, RawSseSocket> streams = new java.util.LinkedHashMap<>();
    try {
      for (int i = 0; i < 50; i++) {
        ThreadId thread = new ThreadId(createThread(OWNER));
        streams.put(thread, openRaw(thread, "?follow=true"));
      }
      await()
          .during(Duration.ofSeconds(1))
          .atMost(WAIT)
          .until(() -> consumersOf(streams.keySet()).isEmpty());

      // a run starting on one of them reaches its stream at once, through the thread's watch
      ThreadId started = streams.keySet().iterator().next();
      relay.publish(started, new ReplyEvent.Reset(UUID.randomUUID(), 1));
      assertThat(streams.get(started).readUntil("event: reset", WAIT)).isTrue();
      await().atMost(WAIT).until(() -> consumersOf(streams.keySet()).size() == 1);
    } finally {
      streams.values().forEach(RawSseSocket::close);
    }
  }

  @Test
  void liveThreadsDoNotGrowWithStreams() throws Exception {
    List<RawSseSocket> streams = new ArrayList<>();
    ThreadId busy = new ThreadId(createThread(OWNER));
    UUID run = submit(OWNER, busy.value(), "hi");
    relay.publish(busy, new ReplyEvent.Reset(run, 1));
    try {
      // warm-up: the event loops, the pools and the timers start with the first streams
      for (int i = 0; i < 10; i++) {
        streams.add(openRaw(new ThreadId(createThread(OWNER)), "?follow=true"));
        streams.add(openRaw(busy, ""));
      }
      int before = liveThreads();
      Set<String> namesBefore = threadNames();

      for (int i = 0; i < 100; i++) {
        streams.add(openRaw(new ThreadId(createThread(OWNER)), "?follow=true"));
        streams.add(openRaw(busy, ""));
      }
      relay.publish(busy, new ReplyEvent.Chunk(run, 1, 0, "everyone-gets-this"));
      for (int i = 1; i < streams.size(); i += 2) {
        assertThat(streams.get(i).readUntil("everyone-gets-this", WAIT)).isTrue();
      }
      int after = liveThreads();

      Set<String> added = threadNames();
      added.removeAll(namesBefore);
      assertThat(after - before)
          .as("threads added by 200 more streams: %s", added)
          .isLessThanOrEqualTo(16);
      await().atMost(WAIT).until(() -> consumersOf(Set.of(busy)).size() == 1);
    } finally {
      streams.forEach(RawSseSocket::close);
    }
  }

  @Test
  void aDeletedThreadsStreamsEndIdleFollowersAndRunFollowersAlike() throws Exception {
    ThreadId thread = new ThreadId(createThread(OWNER));
    try (SseClient idle = open(thread, "?follow=true");
        Connection nats = Nats.connect(natsUrl())) {
      UUID run = UUID.randomUUID();
      assertThat(idle.nextLine(WAIT)).isEqualTo(": attached");
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      assertThat(idle.nextEvent(WAIT).event()).isEqualTo("reset");
      try (SseClient following = open(thread, "?follow=true")) {
        assertThat(following.nextLine(WAIT)).isEqualTo(": attached");

        nats.publish(names.threadDeletedSubject(thread), new byte[0]);

        assertThat(idle.ended(WAIT)).isTrue();
        assertThat(following.ended(WAIT)).isTrue();
      }
    }
  }

  @Test
  void aStreamEndsWhenItsTokenExpiresAndResumesWithANewOne() {
    ThreadId thread = new ThreadId(createThread(OWNER));
    UUID run = submit(OWNER, thread.value(), "hi");
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    long chunk = relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "a"));
    String shortLived = TestTokens.expiringIn(OWNER, Duration.ofSeconds(3));
    try (SseClient sse =
        SseClient.open(api, "/v1/threads/" + thread + "/stream", shortLived, null)) {
      assertThat(sse.nextEvent(WAIT).event()).isEqualTo("reset");
      assertThat(sse.nextEvent(WAIT).id()).isEqualTo(Long.toString(chunk));
      assertThat(sse.ended(WAIT)).as("ended at the token's exp").isTrue();
    }
    long next = relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "b"));
    try (SseClient resumed =
        SseClient.open(api, "/v1/threads/" + thread + "/stream", token, Long.toString(chunk))) {
      assertThat(resumed.nextEvent(WAIT).id()).isEqualTo(Long.toString(next));
    }
  }

  @Test
  void aLastEventIdBeyondTheSubjectsEndReplaysTheCurrentRunFromItsReset() {
    ThreadId thread = new ThreadId(createThread(OWNER));
    UUID run = submit(OWNER, thread.value(), "hi");
    long reset = relay.publish(thread, new ReplyEvent.Reset(run, 1));
    long chunk = relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "a"));
    for (String beyond :
        List.of("9223372036854775807", "18446744073709551615", Long.toString(chunk + 1000))) {
      try (SseClient sse =
          SseClient.open(api, "/v1/threads/" + thread + "/stream", token, beyond)) {
        assertThat(sse.response().statusCode()).as(beyond).isEqualTo(200);
        assertThat(sse.nextEvent(WAIT).id()).as(beyond).isEqualTo(Long.toString(reset));
        assertThat(sse.nextEvent(WAIT).id()).as(beyond).isEqualTo(Long.toString(chunk));
      }
    }
  }

  @Test
  void aMalformedLastEventIdIsABadRequestNamingIt() {
    ThreadId thread = new ThreadId(createThread(OWNER));
    for (String malformed : List.of("-1", "abc", "1.5", "18446744073709551616", "+3", "")) {
      var response =
          api.send(
              api.request("/v1/threads/" + thread + "/stream", token)
                  .header("Last-Event-ID", malformed.isEmpty() ? " x" : malformed)
                  .GET()
                  .build());
      assertProblem(response, 400, "Last-Event-ID");
    }
  }

  private SseClient open(ThreadId thread, String query) {
    return SseClient.open(api, "/v1/threads/" + thread + "/stream" + query, token, null);
  }

  private RawSseSocket openRaw(ThreadId thread, String query) {
    return RawSseSocket.open(server.getURI(), "/v1/threads/" + thread + "/stream" + query, token);
  }

  /** The consumers on the server that read one of {@code threads}' subjects. */
  private List<String> consumersOf(Set<ThreadId> threads) throws Exception {
    Set<String> subjects = new HashSet<>();
    threads.forEach(thread -> subjects.add(names.subjectFor(thread)));
    List<String> of = new ArrayList<>();
    for (String name : relay.consumerNames()) {
      try {
        String filter =
            relay
                .management()
                .getConsumerInfo(names.stream(), name)
                .getConsumerConfiguration()
                .getFilterSubject();
        if (subjects.contains(filter)) {
          of.add(name);
        }
      } catch (JetStreamApiException gone) {
        // deleted meanwhile
      }
    }
    return of;
  }

  private static Set<String> threadNames() {
    Set<String> names = new HashSet<>();
    Thread.getAllStackTraces().keySet().forEach(thread -> names.add(thread.getName()));
    return names;
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }
}
