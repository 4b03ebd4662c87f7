package dev.threadline.relay.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.support.ReplyReader;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reply publisher against a real JetStream: purge, reset first, chained and fenced publishes.
 */
class JetStreamReplyPublisherTest {

  private static final ReplyStreamNames NAMES = TestReplyStream.unique();
  private static final ReplyEventCodec CODEC = new ReplyEventCodec(ObjectMapper.getDefault());

  /** These tests are about the broker's fence: the database always says the run is ours. */
  static final OwnershipCheck OWNER = () -> true;

  private static NatsConnection nats;
  private static JetStreamReplyPublisher publisher;
  private static ReplyReader reader;

  @BeforeAll
  static void connect() {
    nats = new NatsConnection("nats://127.0.0.1:4222");
    publisher = new JetStreamReplyPublisher(nats, NAMES, CODEC, testConfig());
    reader = new ReplyReader(nats.connection(), NAMES, CODEC);
  }

  @AfterAll
  static void deleteStream() throws Exception {
    nats.connection().jetStreamManagement().deleteStream(NAMES.stream());
    nats.close();
  }

  static RelayConfig testConfig() {
    return new RelayConfig(
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        8,
        3,
        Duration.ofMillis(20),
        Duration.ofMillis(100),
        true,
        Duration.ofSeconds(3),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5));
  }

  static ClaimedRun run(ThreadId thread, UUID runId, long epoch) {
    return new ClaimedRun(
        runId, thread, epoch, "executor-" + epoch, "m", (int) epoch, true, false, null);
  }

  static ThreadId newThread() {
    return new ThreadId("t-" + UUID.randomUUID());
  }

  @Test
  void startPurgesThePreviousRunAndPublishesResetFirst() {
    ThreadId thread = newThread();
    UUID previous = UUID.randomUUID();
    RunReply old = publisher.start(run(thread, previous, 1), OWNER);
    old.chunk(0, "old text");
    old.done(UUID.randomUUID(), "stop");

    UUID runId = UUID.randomUUID();
    publisher.start(run(thread, runId, 1), OWNER);

    assertThat(reader.events(thread)).containsExactly(new ReplyEvent.Reset(runId, 1));
  }

  @Test
  void chunksChainAfterTheResetAndEndWithTheTerminalEvent() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    UUID messageId = UUID.randomUUID();
    RunReply reply = publisher.start(run(thread, runId, 1), OWNER);
    reply.chunk(0, "Hel");
    reply.chunk(1, "lo");
    reply.done(messageId, "stop");

    assertThat(reply.chunksPublished()).isEqualTo(2);
    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 1),
            new ReplyEvent.Chunk(runId, 1, 0, "Hel"),
            new ReplyEvent.Chunk(runId, 1, 1, "lo"),
            new ReplyEvent.Done(runId, 1, messageId, "stop"));
  }

  @Test
  void publishingAnEventOfAReplyAgainStoresItOnce() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    UUID messageId = UUID.randomUUID();
    RunReply reply = publisher.start(run(thread, runId, 1), OWNER);
    reply.done(messageId, "stop");

    reply.done(messageId, "stop"); // as a late done re-sends it

    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 1), new ReplyEvent.Done(runId, 1, messageId, "stop"));
  }

  @Test
  void aSecondStartOfTheSameEpochIsNotTakenForADuplicate() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    publisher.start(run(thread, runId, 1), OWNER).chunk(0, "lost");

    RunReply again = publisher.start(run(thread, runId, 1), OWNER);
    again.error("failed", "relay_failure", false);

    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 1),
            new ReplyEvent.RunError(runId, 1, "failed", false, "relay_failure"));
  }

  @Test
  void aNewerEpochFencesTheOlderPublisherAtTheBroker() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    RunReply stale = publisher.start(run(thread, runId, 1), OWNER);
    stale.chunk(0, "stale ");

    RunReply fresh = publisher.start(run(thread, runId, 2), OWNER);
    assertThatThrownBy(() -> stale.chunk(1, "more stale")).isInstanceOf(FencedOutException.class);
    fresh.chunk(0, "fresh");
    assertThatThrownBy(() -> stale.error("late", "relay_failure", false))
        .isInstanceOf(FencedOutException.class);

    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 2), new ReplyEvent.Chunk(runId, 2, 0, "fresh"));
  }

  @Test
  void aStaleEpochCannotRestartOverANewerOne() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    publisher.start(run(thread, runId, 3), OWNER).chunk(0, "newest");

    assertThatThrownBy(() -> publisher.start(run(thread, runId, 2), OWNER))
        .isInstanceOf(FencedOutException.class);
    assertThat(reader.events(thread)).hasSize(2);
  }

  @Test
  void cancelledAndErrorEventsCarryTheirData() {
    ThreadId thread = newThread();
    UUID runId = UUID.randomUUID();
    RunReply reply = publisher.start(run(thread, runId, 1), OWNER);
    reply.error("model overloaded", "provider_unavailable", true);
    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 1),
            new ReplyEvent.RunError(runId, 1, "model overloaded", true, "provider_unavailable"));
    RunReply retry = publisher.start(run(thread, runId, 2), OWNER);
    retry.cancelled();

    List<ReplyEvent> events = reader.events(thread);
    assertThat(events)
        .containsExactly(new ReplyEvent.Reset(runId, 2), new ReplyEvent.Cancelled(runId, 2));
  }
}
