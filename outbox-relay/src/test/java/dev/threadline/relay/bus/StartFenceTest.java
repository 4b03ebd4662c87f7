package dev.threadline.relay.bus;

import static dev.threadline.relay.bus.JetStreamReplyPublisherTest.newThread;
import static dev.threadline.relay.bus.JetStreamReplyPublisherTest.run;
import static dev.threadline.relay.bus.JetStreamReplyPublisherTest.testConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.support.JetStreamTail;
import dev.threadline.relay.support.PausingStartListener;
import dev.threadline.relay.support.PausingStartListener.Pause;
import dev.threadline.relay.support.PausingStartListener.Step;
import dev.threadline.relay.support.ReplyReader;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fence at a run's start, against a real nats-server: an owner paused at each step of its start
 * wakes after a survivor finished its run and the thread's next run began, and can neither remove
 * nor precede the new run's events, whose owner is never refused.
 */
class StartFenceTest {

  private static final ReplyStreamNames NAMES = TestReplyStream.unique();
  private static final ReplyEventCodec CODEC = new ReplyEventCodec(ObjectMapper.getDefault());
  private static final OwnershipCheck OWNER = () -> true;

  private static NatsConnection nats;
  private static PausingStartListener pauses;
  private static JetStreamReplyPublisher publisher;
  private static ReplyReader reader;

  @BeforeAll
  static void connect() {
    nats = new NatsConnection("nats://127.0.0.1:4222");
    pauses = new PausingStartListener();
    publisher = new JetStreamReplyPublisher(nats, NAMES, CODEC, testConfig(), pauses);
    reader = new ReplyReader(nats.connection(), NAMES, CODEC);
  }

  @AfterAll
  static void deleteStream() throws Exception {
    nats.connection().jetStreamManagement().deleteStream(NAMES.stream());
    nats.close();
  }

  /** The old owner of run one, started in the background; it pauses where the test said. */
  private static CompletableFuture<RunReply> startInBackground(
      ThreadId thread, UUID runId, long epoch, Pause pause) {
    return startInBackground(thread, runId, epoch, pause, OWNER);
  }

  /** As above, with what the database says of the start. */
  private static CompletableFuture<RunReply> startInBackground(
      ThreadId thread, UUID runId, long epoch, Pause pause, OwnershipCheck owner) {
    CompletableFuture<RunReply> start =
        CompletableFuture.supplyAsync(() -> publisher.start(run(thread, runId, epoch), owner));
    await().atMost(Duration.ofSeconds(5)).until(pause::reached);
    return start;
  }

  /** A survivor finishes run one at epoch 2, then the thread's next run starts and streams. */
  private static RunReply survivorFinishesAndTheNextRunBegins(
      ThreadId thread, UUID runOne, UUID runTwo) {
    RunReply survivor = publisher.start(run(thread, runOne, 2), OWNER);
    survivor.chunk(0, "old answer");
    survivor.done(UUID.randomUUID(), "stop");
    RunReply next = publisher.start(run(thread, runTwo, 1), OWNER);
    next.chunk(0, "new ");
    return next;
  }

  @Test
  void anOwnerPausedBeforeItsResetIsRefusedAndTheNextRunKeepsItsEvents() {
    ThreadId thread = newThread();
    UUID runOne = UUID.randomUUID();
    UUID runTwo = UUID.randomUUID();
    publisher.start(run(thread, UUID.randomUUID(), 1), OWNER).done(UUID.randomUUID(), "stop");
    Pause pause = pauses.pause(runOne, 1, Step.BEFORE_RESET);
    AtomicBoolean staleIsLatest = new AtomicBoolean(true);
    CompletableFuture<RunReply> stale =
        startInBackground(thread, runOne, 1, pause, staleIsLatest::get);

    staleIsLatest.set(false); // the survivor's takeover raised the epoch in the database
    RunReply next = survivorFinishesAndTheNextRunBegins(thread, runOne, runTwo);
    try (JetStreamTail tail = new JetStreamTail(nats.connection(), NAMES, CODEC, thread)) {
      pause.release();
      assertThatThrownBy(stale::get)
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(FencedOutException.class);

      next.chunk(1, "answer");
      UUID messageId = UUID.randomUUID();
      next.done(messageId, "stop");

      assertThat(reader.events(thread))
          .containsExactly(
              new ReplyEvent.Reset(runTwo, 1),
              new ReplyEvent.Chunk(runTwo, 1, 0, "new "),
              new ReplyEvent.Chunk(runTwo, 1, 1, "answer"),
              new ReplyEvent.Done(runTwo, 1, messageId, "stop"));
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(tail.events())
                      .containsExactly(
                          new ReplyEvent.Reset(runTwo, 1),
                          new ReplyEvent.Chunk(runTwo, 1, 0, "new "),
                          new ReplyEvent.Chunk(runTwo, 1, 1, "answer"),
                          new ReplyEvent.Done(runTwo, 1, messageId, "stop")));
    }
  }

  @Test
  void anOwnerPausedBeforeItsPurgeRemovesNothingOfTheNextRunAndIsRefusedAfter() throws Exception {
    ThreadId thread = newThread();
    UUID runOne = UUID.randomUUID();
    UUID runTwo = UUID.randomUUID();
    Pause pause = pauses.pause(runOne, 1, Step.BEFORE_PURGE);
    CompletableFuture<RunReply> stale = startInBackground(thread, runOne, 1, pause);

    RunReply next = survivorFinishesAndTheNextRunBegins(thread, runOne, runTwo);
    pause.release();
    RunReply woken = stale.get();
    assertThatThrownBy(() -> woken.chunk(0, "stale")).isInstanceOf(FencedOutException.class);
    next.chunk(1, "answer");

    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runTwo, 1),
            new ReplyEvent.Chunk(runTwo, 1, 0, "new "),
            new ReplyEvent.Chunk(runTwo, 1, 1, "answer"));
  }

  @Test
  void thePreviousRunsLateTerminalEventDoesNotFenceTheNextRunsStart() throws Exception {
    ThreadId thread = newThread();
    UUID runOne = UUID.randomUUID();
    UUID runTwo = UUID.randomUUID();
    RunReply previous = publisher.start(run(thread, runOne, 1), OWNER);
    previous.chunk(0, "old answer");
    Pause pause = pauses.pause(runTwo, 1, Step.BEFORE_RESET);
    // run one committed, so run two was claimed; it read the subject before run one's done landed
    CompletableFuture<RunReply> next = startInBackground(thread, runTwo, 1, pause);

    previous.done(UUID.randomUUID(), "stop");
    pause.release();
    next.get().chunk(0, "new answer");

    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runTwo, 1), new ReplyEvent.Chunk(runTwo, 1, 0, "new answer"));
  }

  @Test
  void theRightfulOwnerSupersedesAStaleResetThatSlippedInAfterItsRead() throws Exception {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    Pause pause = pauses.pause(runId, 2, Step.BEFORE_RESET);
    CompletableFuture<RunReply> rightful = startInBackground(thread, runId, 2, pause);

    RunReply stale = publisher.start(run(thread, runId, 1), OWNER);
    pause.release();
    RunReply owner = rightful.get();
    owner.chunk(0, "mine");
    assertThatThrownBy(() -> stale.chunk(0, "stale")).isInstanceOf(FencedOutException.class);

    assertThat(reader.events(thread))
        .containsExactly(new ReplyEvent.Reset(runId, 2), new ReplyEvent.Chunk(runId, 2, 0, "mine"));
  }

  @Test
  void anOwnerTheDatabaseNoLongerConfirmsTouchesNothing() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    publisher.start(run(thread, runId, 2), OWNER).chunk(0, "current");

    assertThatThrownBy(() -> publisher.start(run(thread, UUID.randomUUID(), 1), () -> false))
        .isInstanceOf(FencedOutException.class);
    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 2), new ReplyEvent.Chunk(runId, 2, 0, "current"));
  }
}
