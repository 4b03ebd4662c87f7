package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.HttpApi;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.SseClient.SseEvent;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplyStreamTest implements TestPropertyProvider {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String OWNER = "stream-owner";

  private final TestDatabase database = TestDatabase.createMigrated();
  private final ReplyStreamNames names = TestReplyStream.unique();

  @Inject EmbeddedServer server;
  @Inject ReplyEventCodec codec;
  @Inject JsonMapper json;

  private HttpApi api;
  private ReplyPublisher relay;
  private final String token = TestTokens.forOwner(OWNER);

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(database.datasourceProperties());
    properties.putAll(TestReplyStream.properties(names));
    properties.put("auth.jwt.secret", TestTokens.SECRET);
    properties.put("threadline.stream.ping-interval", "300ms");
    properties.put("threadline.stream.run-check-interval", "300ms");
    properties.put("threadline.stream.terminal-grace", "2s");
    properties.put("threadline.stream.tail-linger", "500ms");
    return properties;
  }

  @BeforeAll
  void connect() {
    api = new HttpApi(server.getURI());
    relay = new ReplyPublisher(names, codec);
  }

  @AfterAll
  void cleanUp() throws Exception {
    relay.management().deleteStream(names.stream());
    relay.close();
    database.close();
  }

  @Test
  void headersAndAFirstCommentArriveBeforeAnyEventThenEventsAreExactSseFrames() throws Exception {
    ThreadId thread = newThread();
    try (SseClient sse = open(thread, null)) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(sse.response().headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
      assertThat(sse.response().headers().firstValue("Cache-Control")).hasValue("no-cache");
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");

      UUID run = UUID.randomUUID();
      long reset = relay.publish(thread, new ReplyEvent.Reset(run, 1));
      List<String> frame = framesLines(sse, 3);
      assertThat(frame)
          .containsExactly(
              "id: " + reset, "event: reset", "data: " + relay.json(new ReplyEvent.Reset(run, 1)));
    }
  }

  @Test
  void aLateAttacherToAnInProgressThreadGetsTheRunFromItsReset() {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    markRunning(run, 1);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "Hel"));
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "lo"));

    try (SseClient sse = open(thread, null)) {
      assertThat(types(sse, 3)).containsExactly("reset", "chunk", "chunk");
      relay.publish(thread, new ReplyEvent.Chunk(run, 1, 2, "!"));
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));
      List<SseEvent> rest = sse.eventsUntilEnd(WAIT);
      assertThat(rest).extracting(SseEvent::event).containsExactly("chunk", "done");
      assertThat(sse.ended(WAIT)).as("the stream ends after done").isTrue();
    }
  }

  @Test
  void anInProgressAttacherSkipsThePreviousRunStillOnTheSubjectAndWaitsForItsRun() {
    ThreadId thread = newThread();
    UUID previous = UUID.randomUUID();
    relay.publish(thread, new ReplyEvent.Reset(previous, 1));
    relay.publish(thread, new ReplyEvent.Chunk(previous, 1, 0, "old"));
    relay.publish(thread, new ReplyEvent.Done(previous, 1, UUID.randomUUID(), "stop"));
    UUID queued = submit(thread);

    try (SseClient sse = open(thread, null)) {
      assertThat(sse.nextEvent(Duration.ofMillis(700))).as("nothing of the previous run").isNull();
      relay.purge(thread);
      relay.publish(thread, new ReplyEvent.Reset(queued, 1));
      relay.publish(thread, new ReplyEvent.Chunk(queued, 1, 0, "new"));
      relay.publish(thread, new ReplyEvent.Done(queued, 1, UUID.randomUUID(), "stop"));
      List<SseEvent> events = sse.eventsUntilEnd(WAIT);
      assertThat(events).extracting(SseEvent::event).containsExactly("reset", "chunk", "done");
      assertThat(events).allSatisfy(e -> assertThat(e.data()).contains(queued.toString()));
    }
  }

  @Test
  void aFollowedRunCancelledWhileQueuedEndsWithCancelledFromItsRowWhenTheNextRunStartsFirst() {
    ThreadId thread = newThread();
    UUID cancelled = submit(thread);
    try (SseClient sse = open(thread, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      assertThat(
              api.post(
                      "/v1/threads/" + thread + "/runs/" + cancelled + "/cancel",
                      token,
                      null,
                      new byte[0])
                  .statusCode())
          .isEqualTo(202);
      UUID next = submit(thread);
      relay.purge(thread);
      relay.publish(thread, new ReplyEvent.Reset(next, 1));
      relay.publish(thread, new ReplyEvent.Done(next, 1, UUID.randomUUID(), "stop"));
      List<SseEvent> events = sse.eventsUntilEnd(WAIT);
      // the stream followed the cancelled run: its end comes from the row (id-less), then it ends
      assertThat(events).extracting(SseEvent::event).containsExactly("cancelled");
      assertThat(events.get(0).data()).contains(cancelled.toString());
      assertThat(events.get(0).id()).isNull();
    }
  }

  @Test
  void aQueuedRunCancelledThroughTheApiEndsItsFollowersStreamWithCancelledFromTheDatabase() {
    ThreadId thread = newThread();
    UUID queued = submit(thread);
    try (SseClient sse = open(thread, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      assertThat(
              api.post(
                      "/v1/threads/" + thread + "/runs/" + queued + "/cancel",
                      token,
                      null,
                      new byte[0])
                  .statusCode())
          .isEqualTo(202);

      List<SseEvent> events = sse.eventsUntilEnd(WAIT);

      assertThat(events)
          .containsExactly(
              new SseEvent(null, "cancelled", relay.json(new ReplyEvent.Cancelled(queued, 0))));
      assertThat(sse.ended(WAIT)).as("the stream ends after the synthesised cancelled").isTrue();
    }
  }

  @Test
  void aRunCommittedWhoseDoneNeverReachedTheBusEndsWithADoneNamingTheStoredMessage() {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    markRunning(run, 3);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(run, 3));
    relay.publish(thread, new ReplyEvent.Chunk(run, 3, 0, "Hel"));
    long lastChunk = relay.publish(thread, new ReplyEvent.Chunk(run, 3, 1, "lo"));

    try (SseClient sse = open(thread, null)) {
      assertThat(types(sse, 3)).containsExactly("reset", "chunk", "chunk");
      // the relay commits the message and the run, then the broker is gone before done
      UUID message = UUID.randomUUID();
      sql(
          "insert into messages (id, thread_id, role, content, run_id, created_at)"
              + " values ('"
              + message
              + "', '"
              + thread
              + "', 'assistant', 'Hello', '"
              + run
              + "', now())");
      sql(
          "update runs set status = 'completed', finish_reason = 'length', finished_at = now(),"
              + " executor_id = null, lease_expires_at = null where id = '"
              + run
              + "'");

      List<SseEvent> events = sse.eventsUntilEnd(WAIT);

      assertThat(events)
          .as("no id: Last-Event-ID stays at the last real event (%d)", lastChunk)
          .containsExactly(
              new SseEvent(
                  null, "done", relay.json(new ReplyEvent.Done(run, 3, message, "length"))));
      assertThat(sse.ended(WAIT)).isTrue();
    }
  }

  @Test
  void aClientResumingAfterAnEventTheNextRunsStartPurgedGetsItsRunAndEachMissedRunFromTheRows()
      throws Exception {
    ThreadId thread = newThread();
    UUID mine = submit(thread);
    UUID missed = submit(thread);
    UUID current = submit(thread);
    markRunning(mine, 1);
    relay.purge(thread);
    long reset = relay.publish(thread, new ReplyEvent.Reset(mine, 1));
    long lastSeen = relay.publish(thread, new ReplyEvent.Chunk(mine, 1, 0, "Hel"));
    sql("update runs set reply_from = " + reset + " where id = '" + mine + "'");
    // while the client was away: its run ended, the next ran and ended, the third started, and
    // each start purged the subject below its reset
    UUID mineStored;
    UUID missedStored;
    try (Connection connection = database.connect()) {
      mineStored = commitCompleted(connection, thread, mine, "Hello", "0 seconds");
      markRunning(missed, 1);
      sql("update runs set started_at = now() where id = '" + missed + "'");
      missedStored = commitCompleted(connection, thread, missed, "Bye", "0 seconds");
    }
    long missedReset = relay.publish(thread, new ReplyEvent.Reset(missed, 1));
    long missedDone =
        relay.publishAfter(
            thread, new ReplyEvent.Done(missed, 1, missedStored, "stop"), missedReset);
    markRunning(current, 1);
    relay.purge(thread);
    relay.publishAfter(thread, new ReplyEvent.Reset(current, 1), missedDone);

    try (SseClient sse =
        SseClient.open(api, streamPath(thread) + "?follow=true", token, Long.toString(lastSeen))) {
      List<SseEvent> events = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        events.add(sse.nextEvent(WAIT));
      }

      assertThat(events)
          .extracting(SseEvent::event)
          .containsExactly("reset", "chunk", "done", "reset", "chunk", "done");
      assertThat(events.subList(0, 3))
          .as("the client's own run, whole, from its row")
          .allSatisfy(event -> assertThat(event.data()).contains(mine.toString()));
      assertThat(events.get(1).data()).contains("Hello");
      assertThat(events.get(2).data()).contains(mineStored.toString());
      assertThat(events.subList(3, 6))
          .as("the run it missed entirely")
          .allSatisfy(event -> assertThat(event.data()).contains(missed.toString()));
      assertThat(events.get(4).data()).contains("Bye");
      assertThat(events.get(5).data()).contains(missedStored.toString());
      assertThat(events).allSatisfy(event -> assertThat(event.id()).isNull());
      assertThat(sse.nextEvent(WAIT).event()).as("then the current run").isEqualTo("reset");
    }
  }

  @Test
  void aClientResumingIntoARunThatEndedWithoutItsDoneOnTheBusGetsTheDoneFromTheDatabase() {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    markRunning(run, 1);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    long lastSeen = relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "all"));
    UUID message = UUID.randomUUID();
    sql(
        "insert into messages (id, thread_id, role, content, run_id, created_at)"
            + " values ('"
            + message
            + "', '"
            + thread
            + "', 'assistant', 'all', '"
            + run
            + "', now() - interval '1 minute')");
    sql(
        "update runs set status = 'completed', finish_reason = 'stop',"
            + " finished_at = now() - interval '1 minute' where id = '"
            + run
            + "'");

    try (SseClient resumed = open(thread, Long.toString(lastSeen))) {
      List<SseEvent> events = resumed.eventsUntilEnd(WAIT);

      // what the client had before Last-Event-ID is not known here: the stored text comes whole
      assertThat(events)
          .containsExactly(
              new SseEvent(null, "reset", relay.json(new ReplyEvent.Reset(run, 1))),
              new SseEvent(null, "chunk", relay.json(new ReplyEvent.Chunk(run, 1, 0, "all"))),
              new SseEvent(null, "done", relay.json(new ReplyEvent.Done(run, 1, message, "stop"))));
      assertThat(resumed.ended(WAIT)).isTrue();
    }
  }

  @Test
  void aRunWhoseLastChunksThisClientMissedBeforeAPurgeEndsWithTheWholeStoredTextFromTheDatabase()
      throws Exception {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    markRunning(run, 2);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(run, 2));
    relay.publish(thread, new ReplyEvent.Chunk(run, 2, 0, "Hel"));

    try (SseClient sse = open(thread, null)) {
      assertThat(types(sse, 2)).containsExactly("reset", "chunk");
      UUID message;
      try (Connection relayTransaction = runsLocked()) {
        // the client's tail stops reading (its consumer is gone) while the run goes on and ends;
        // then the subject is purged (as the thread's next run does) before the tail catches up
        deleteConsumersOf(thread);
        relay.publish(thread, new ReplyEvent.Chunk(run, 2, 1, "lo"));
        message = commitCompleted(relayTransaction, thread, run, "Hello", "1 minute");
        relay.publish(thread, new ReplyEvent.Done(run, 2, message, "stop"));
        relay.purge(thread);
        relayTransaction.commit();
      }

      List<SseEvent> rest = sse.eventsUntilEnd(WAIT);

      assertThat(rest)
          .as("id-less, from the row: the whole text replaces the part shown")
          .containsExactly(
              new SseEvent(null, "reset", relay.json(new ReplyEvent.Reset(run, 2))),
              new SseEvent(null, "chunk", relay.json(new ReplyEvent.Chunk(run, 2, 0, "Hello"))),
              new SseEvent(null, "done", relay.json(new ReplyEvent.Done(run, 2, message, "stop"))));
      assertThat(sse.ended(WAIT)).isTrue();
    }
  }

  @Test
  void aFollowerWhoseTailMissedTheEndOfARunGetsItFromTheDatabaseAndThenTheNextRun()
      throws Exception {
    ThreadId thread = newThread();
    UUID first = submit(thread);
    markRunning(first, 1);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(first, 1));
    relay.publish(thread, new ReplyEvent.Chunk(first, 1, 0, "one "));

    try (SseClient sse = SseClient.open(api, streamPath(thread) + "?follow=true", token, null)) {
      assertThat(types(sse, 2)).containsExactly("reset", "chunk");
      UUID firstMessage;
      long secondReset;
      long secondDone;
      UUID second = UUID.randomUUID();
      try (Connection relayTransaction = runsLocked()) {
        deleteConsumersOf(thread);
        // unread by the stalled tail: the rest of the first run, then the next run's start
        // purges it
        relay.publish(thread, new ReplyEvent.Chunk(first, 1, 1, "done"));
        firstMessage = commitCompleted(relayTransaction, thread, first, "one done", "0 seconds");
        relay.publish(thread, new ReplyEvent.Done(first, 1, firstMessage, "stop"));
        relay.purge(thread);
        secondReset = relay.publish(thread, new ReplyEvent.Reset(second, 1));
        relay.publish(thread, new ReplyEvent.Chunk(second, 1, 0, "two"));
        secondDone =
            relay.publish(thread, new ReplyEvent.Done(second, 1, UUID.randomUUID(), "stop"));
        relayTransaction.commit();
      }

      List<SseEvent> events = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        SseEvent event = sse.nextEvent(WAIT);
        assertThat(event).as("event %d of 6; so far %s", i + 1, events).isNotNull();
        events.add(event);
      }

      assertThat(events.subList(0, 3))
          .as("the first run, ended from its row with its whole text")
          .containsExactly(
              new SseEvent(null, "reset", relay.json(new ReplyEvent.Reset(first, 1))),
              new SseEvent(
                  null, "chunk", relay.json(new ReplyEvent.Chunk(first, 1, 0, "one done"))),
              new SseEvent(
                  null, "done", relay.json(new ReplyEvent.Done(first, 1, firstMessage, "stop"))));
      assertThat(events.subList(3, 6))
          .as("then the next run, from the bus")
          .extracting(SseEvent::id)
          .containsExactly(
              Long.toString(secondReset),
              Long.toString(secondReset + 1),
              Long.toString(secondDone));
      assertThat(sse.ended(Duration.ofMillis(500))).as("following across runs").isFalse();
    }
  }

  @Test
  void aFollowerAcrossRunsMovesOnAfterAnEndReadFromTheDatabase() {
    ThreadId thread = newThread();
    UUID queued = submit(thread);
    try (SseClient sse = SseClient.open(api, streamPath(thread) + "?follow=true", token, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      api.post("/v1/threads/" + thread + "/runs/" + queued + "/cancel", token, null, new byte[0]);
      assertThat(sse.nextEvent(WAIT).event()).isEqualTo("cancelled");

      UUID next = UUID.randomUUID();
      relay.publish(thread, new ReplyEvent.Reset(next, 1));
      relay.publish(thread, new ReplyEvent.Done(next, 1, UUID.randomUUID(), "stop"));
      assertThat(types(sse, 2)).containsExactly("reset", "done");
      assertThat(sse.ended(Duration.ofMillis(500))).as("still open").isFalse();
    }
  }

  @Test
  void anIdleAttacherWaitsAndGetsTheNextRunOnly() {
    ThreadId thread = newThread();
    UUID finished = UUID.randomUUID();
    relay.publish(thread, new ReplyEvent.Reset(finished, 1));
    relay.publish(thread, new ReplyEvent.Chunk(finished, 1, 0, "old"));
    relay.publish(thread, new ReplyEvent.Done(finished, 1, UUID.randomUUID(), "stop"));

    try (SseClient sse = open(thread, null)) {
      assertThat(sse.nextEvent(Duration.ofMillis(700)))
          .as("the finished run is not replayed")
          .isNull();
      UUID next = UUID.randomUUID();
      relay.purge(thread);
      relay.publish(thread, new ReplyEvent.Reset(next, 1));
      relay.publish(thread, new ReplyEvent.Chunk(next, 1, 0, "new"));
      relay.publish(thread, new ReplyEvent.Done(next, 1, UUID.randomUUID(), "stop"));
      List<SseEvent> events = sse.eventsUntilEnd(WAIT);
      assertThat(events).extracting(SseEvent::event).containsExactly("reset", "chunk", "done");
      assertThat(events).allSatisfy(e -> assertThat(e.data()).contains(next.toString()));
      assertThat(sse.ended(WAIT)).isTrue();
    }
  }

  @Test
  void lastEventIdResumesWithNothingTwiceAndNothingSkipped() {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    markRunning(run, 1);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "a"));
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "b"));
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 2, "c"));

    String lastSeen;
    StringBuilder text = new StringBuilder();
    try (SseClient first = open(thread, null)) {
      assertThat(first.nextEvent(WAIT).event()).isEqualTo("reset");
      SseEvent chunk = first.nextEvent(WAIT);
      text.append(delta(chunk));
      lastSeen = chunk.id();
    }
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 3, "d"));

    try (SseClient resumed = open(thread, lastSeen)) {
      assertThat(resumed.nextLine(WAIT)).isEqualTo(": attached");
      List<SseEvent> chunks =
          List.of(resumed.nextEvent(WAIT), resumed.nextEvent(WAIT), resumed.nextEvent(WAIT));
      chunks.forEach(c -> text.append(delta(c)));
      assertThat(chunks)
          .extracting(SseEvent::id)
          .allSatisfy(id -> assertThat(Long.parseLong(id)).isGreaterThan(Long.parseLong(lastSeen)));
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));
      assertThat(resumed.eventsUntilEnd(WAIT)).extracting(SseEvent::event).containsExactly("done");
    }
    assertThat(text.toString()).isEqualTo("abcd");
  }

  @Test
  void lastEventIdResumesAlsoAfterTheRunEnded() {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    relay.purge(thread);
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    long first = relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "x"));
    relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "y"));
    relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));
    markFinished(run);

    try (SseClient resumed = open(thread, Long.toString(first))) {
      List<SseEvent> events = resumed.eventsUntilEnd(WAIT);
      assertThat(events).extracting(SseEvent::event).containsExactly("chunk", "done");
      assertThat(delta(events.get(0))).isEqualTo("y");
      assertThat(resumed.ended(WAIT)).isTrue();
    }
  }

  @Test
  void chunksOfASupersededEpochAreDroppedAfterTheNewerReset() {
    ThreadId thread = newThread();
    UUID run = submit(thread);
    try (SseClient sse = open(thread, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      relay.purge(thread);
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "zombie "));
      // a survivor takes over (epoch 2) while the old owner still publishes
      relay.publish(thread, new ReplyEvent.Reset(run, 2));
      relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "STALE"));
      relay.publish(thread, new ReplyEvent.Chunk(run, 2, 0, "fresh"));
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));
      relay.publish(thread, new ReplyEvent.Done(run, 2, UUID.randomUUID(), "stop"));

      List<SseEvent> events = sse.eventsUntilEnd(WAIT);
      assertThat(events)
          .extracting(e -> e.event() + "@" + epoch(e))
          .containsExactly("reset@1", "chunk@1", "reset@2", "chunk@2", "done@2");
      assertThat(events).noneMatch(e -> e.data().contains("STALE"));
    }
  }

  @Test
  void withFollowTheStreamStaysOpenAcrossRuns() {
    ThreadId thread = newThread();
    try (SseClient sse = SseClient.open(api, streamPath(thread) + "?follow=true", token, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      UUID first = UUID.randomUUID();
      relay.publish(thread, new ReplyEvent.Reset(first, 1));
      relay.publish(thread, new ReplyEvent.Done(first, 1, UUID.randomUUID(), "stop"));
      assertThat(types(sse, 2)).containsExactly("reset", "done");
      assertThat(sse.nextEvent(Duration.ofMillis(700))).isNull();
      assertThat(sse.ended(Duration.ofMillis(10))).as("still open after done").isFalse();

      UUID second = UUID.randomUUID();
      relay.purge(thread);
      relay.publish(thread, new ReplyEvent.Reset(second, 1));
      relay.publish(thread, new ReplyEvent.Chunk(second, 1, 0, "again"));
      relay.publish(thread, new ReplyEvent.Done(second, 1, UUID.randomUUID(), "stop"));
      List<SseEvent> next = List.of(sse.nextEvent(WAIT), sse.nextEvent(WAIT), sse.nextEvent(WAIT));
      assertThat(next).extracting(SseEvent::event).containsExactly("reset", "chunk", "done");
      assertThat(next).allSatisfy(e -> assertThat(e.data()).contains(second.toString()));
    }
  }

  @Test
  void anIdleThreadHoldsNoConsumerAndARunsConsumerGoesAfterTheLingerWhenItsClientLeaves()
      throws Exception {
    ThreadId thread = newThread();
    SseClient leaving = open(thread, null);
    assertThat(leaving.nextLine(WAIT)).isEqualTo(": attached");
    assertThat(consumersOf(thread)).as("an idle thread is watched, not tailed").isEmpty();
    UUID run = UUID.randomUUID();
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    assertThat(leaving.nextEvent(WAIT).event()).isEqualTo("reset");
    assertThat(consumersOf(thread)).hasSize(1);
    leaving.close();
    await().atMost(WAIT).until(() -> consumersOf(thread).isEmpty());

    ThreadId other = newThread();
    try (SseClient ending = open(other, null)) {
      assertThat(ending.nextLine(WAIT)).isEqualTo(": attached");
      UUID next = UUID.randomUUID();
      relay.publish(other, new ReplyEvent.Reset(next, 1));
      relay.publish(other, new ReplyEvent.Done(next, 1, UUID.randomUUID(), "stop"));
      assertThat(ending.ended(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> consumersOf(other).isEmpty());
    }
  }

  @Test
  void anIdleStreamGetsPingCommentsAndIsNeverClosedForSilence() {
    ThreadId thread = newThread();
    try (SseClient sse = open(thread, null)) {
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      assertThat(sse.ended(Duration.ofMillis(1500))).isFalse();
      assertThat(sse.comments()).contains(": ping");
    }
  }

  // --- fixtures ---

  private ThreadId newThread() {
    String id = "t-" + UUID.randomUUID();
    var response = api.postJson("/v1/threads", token, "{\"id\":\"" + id + "\"}");
    assertThat(response.statusCode()).isEqualTo(201);
    return new ThreadId(id);
  }

  private UUID submit(ThreadId thread) {
    var response =
        api.postJson("/v1/threads/" + thread + "/messages", token, "{\"content\":\"hi\"}");
    assertThat(response.statusCode()).isEqualTo(202);
    return UUID.fromString(read(response.body()).get("runId").getStringValue());
  }

  private void markRunning(UUID run, long epoch) {
    sql(
        "update runs set status = 'running', executor_id = 'test', epoch = "
            + epoch
            + ", lease_expires_at = now() + interval '1 hour' where id = '"
            + run
            + "'");
  }

  private void markFinished(UUID run) {
    sql("update runs set status = 'completed' where id = '" + run + "'");
  }

  /**
   * A transaction that holds every read of {@code runs} until it ends: the stream's periodic check
   * reads the followed run's row before it compares its tail with the subject, so while the test
   * stages what a stalled tail misses, the check can neither resume the tail nor end the run.
   */
  private Connection runsLocked() throws Exception {
    Connection connection = database.connect();
    connection.setAutoCommit(false);
    try (PreparedStatement lock =
        connection.prepareStatement("lock table runs in access exclusive mode")) {
      lock.execute();
    }
    return connection;
  }

  /** What the relay's completion commits: the assistant message, the run completed. */
  private static UUID commitCompleted(
      Connection connection, ThreadId thread, UUID run, String content, String ago)
      throws Exception {
    UUID message = UUID.randomUUID();
    try (PreparedStatement insert =
            connection.prepareStatement(
                "insert into messages (id, thread_id, role, content, run_id, created_at)"
                    + " values (?, ?, 'assistant', ?, ?, now())");
        PreparedStatement update =
            connection.prepareStatement(
                "update runs set status = 'completed', finish_reason = 'stop',"
                    + " finished_at = now() - ?::interval, executor_id = null,"
                    + " lease_expires_at = null where id = ?")) {
      insert.setObject(1, message);
      insert.setString(2, thread.value());
      insert.setString(3, content);
      insert.setObject(4, run);
      assertThat(insert.executeUpdate()).isEqualTo(1);
      update.setString(1, ago);
      update.setObject(2, run);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
    return message;
  }

  /** The names of the consumers on the server that read {@code thread}'s subject. */
  private List<String> consumersOf(ThreadId thread) throws Exception {
    String subject = names.subjectFor(thread);
    List<String> of = new java.util.ArrayList<>();
    for (String name : relay.consumerNames()) {
      try {
        io.nats.client.api.ConsumerInfo info =
            relay.management().getConsumerInfo(names.stream(), name);
        if (subject.equals(info.getConsumerConfiguration().getFilterSubject())) {
          of.add(name);
        }
      } catch (io.nats.client.JetStreamApiException gone) {
        // deleted meanwhile
      }
    }
    return of;
  }

  /** Removes the attached client's consumer on the server: its tail stops reading, unaware. */
  private void deleteConsumersOf(ThreadId thread) throws Exception {
    String subject = names.subjectFor(thread);
    int deleted = 0;
    for (String name : relay.consumerNames()) {
      io.nats.client.api.ConsumerInfo info =
          relay.management().getConsumerInfo(names.stream(), name);
      if (subject.equals(info.getConsumerConfiguration().getFilterSubject())) {
        relay.management().deleteConsumer(names.stream(), name);
        deleted++;
      }
    }
    assertThat(deleted).as("the attached client's consumer").isEqualTo(1);
  }

  private void sql(String statement) {
    try (Connection connection = database.connect();
        PreparedStatement update = connection.prepareStatement(statement)) {
      assertThat(update.executeUpdate()).isEqualTo(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private SseClient open(ThreadId thread, String lastEventId) {
    return SseClient.open(api, streamPath(thread), token, lastEventId);
  }

  private static String streamPath(ThreadId thread) {
    return "/v1/threads/" + thread + "/stream";
  }

  private List<String> types(SseClient sse, int count) {
    List<String> types = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      SseEvent event = sse.nextEvent(WAIT);
      assertThat(event).as("event %d of %d", i + 1, count).isNotNull();
      types.add(event.event());
    }
    return types;
  }

  /** The next {@code count} non-comment, non-blank lines. */
  private static List<String> framesLines(SseClient sse, int count) {
    List<String> lines = new java.util.ArrayList<>();
    while (lines.size() < count) {
      String line = sse.nextLine(WAIT);
      assertThat(line).isNotNull();
      if (!line.isEmpty() && !line.startsWith(":")) {
        lines.add(line);
      }
    }
    String terminator = sse.nextLine(WAIT);
    assertThat(terminator).as("a blank line ends the event").isEmpty();
    return lines;
  }

  private String delta(SseEvent event) {
    return read(event.data()).get("delta").getStringValue();
  }

  private long epoch(SseEvent event) {
    return read(event.data()).get("epoch").getLongValue();
  }

  private JsonNode read(String body) {
    try {
      return json.readValue(body, JsonNode.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unused")
  private static String joined(List<SseEvent> events) {
    return events.stream().map(SseEvent::event).collect(Collectors.joining(","));
  }
}
