package dev.threadline.functions.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.metrics.FunctionsMetrics;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.tail.ReplyTail;
import dev.threadline.functions.tail.TailedEvent;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.testsupport.TestReplyStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tail against the machine's JetStream: a resume repeats nothing and skips nothing. */
class JetStreamReplyTailTest {

  private static final String URL = "nats://127.0.0.1:4222";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ReplyEventCodec codec = new ReplyEventCodec(ObjectMapper.getDefault());
  private final ReplyStreamNames names = TestReplyStream.unique();
  private final FunctionsMetrics metrics = new FunctionsMetrics(new SimpleMeterRegistry());
  private final NatsConnectionProvider nats =
      new NatsConnectionProvider(
          URL, new RepliesConfiguration(names.stream(), names.subjectPrefix(), 1), metrics);
  private final JetStreamReplyTail tail =
      new JetStreamReplyTail(
          nats, new RepliesConfiguration(names.stream(), names.subjectPrefix(), 1), codec, metrics);
  private final ReplyPublisher relay = new ReplyPublisher(names, codec, URL);
  private final ThreadId thread = new ThreadId("t-" + UUID.randomUUID());
  private final UUID run = UUID.randomUUID();
  private final List<TailedEvent> read = new CopyOnWriteArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    tail.close();
    nats.close();
    relay.management().deleteStream(names.stream());
    relay.close();
  }

  @Test
  void tailsThatWereOpenedResumedAndClosedLeaveNoThreadBehind() {
    // the first tail connects and starts the connection's own threads
    tail.tail(thread, 1, read::add).close();
    int before = liveThreads();

    for (int i = 0; i < 20; i++) {
      ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add);
      subscription.resume();
      subscription.close();
    }

    // 20 tails and 20 resumes: one thread left behind each would be 40
    await("threads of closed tails end")
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(liveThreads()).isLessThan(before + 5));
  }

  @Test
  void aTailPullsAgainWellBeforeTheServerWouldDeleteItsConsumerAsInactive() throws Exception {
    try (ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add)) {
      String subject = names.subjectFor(thread);
      Duration threshold = null;
      for (String name : relay.consumerNames()) {
        var config =
            relay.management().getConsumerInfo(names.stream(), name).getConsumerConfiguration();
        if (subject.equals(config.getFilterSubject())) {
          threshold = config.getInactiveThreshold();
        }
      }
      System.out.printf(
          "the server deletes the tail's consumer after %s without a pull; pulls expire after %s%n",
          threshold, JetStreamReplyTail.PULL_EXPIRY);
      // an idle tail pulls again only after its pull expired: a re-pull later than the threshold
      // minus the expiry finds the consumer deleted, which a loaded machine easily is with pulls as
      // long as the threshold
      assertThat(threshold).as("the tail's consumer's inactive threshold").isNotNull();
      assertThat(threshold.minus(JetStreamReplyTail.PULL_EXPIRY))
          .as("slack for a late re-pull")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }
  }

  private static int liveThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).count();
  }

  @Test
  void resumingWhileTheConsumerLivesRepeatsNothingAndSkipsNothing() {
    List<Long> published = new ArrayList<>();
    published.add(relay.publish(thread, new ReplyEvent.Reset(run, 1)));
    try (ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add)) {
      published.add(relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "a")));
      await().atMost(WAIT).until(() -> read.size() == 2);
      assertThat(subscription.position()).isEqualTo(published.get(1));

      subscription.resume();
      subscription.resume();
      published.add(relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "b")));
      published.add(relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")));

      await().atMost(WAIT).until(() -> read.size() >= 4);
      await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> read.size() == 4);
      assertThat(read).extracting(TailedEvent::sequence).containsExactlyElementsOf(published);
      assertThat(subscription.position()).isEqualTo(published.get(3));
    }
  }

  @Test
  void aTailWhoseConsumerVanishedReadsOnFromItsPositionAfterAResume() throws Exception {
    List<Long> published = new ArrayList<>();
    try (ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add)) {
      published.add(relay.publish(thread, new ReplyEvent.Reset(run, 1)));
      await().atMost(WAIT).until(() -> read.size() == 1);
      for (String name : relay.consumerNames()) {
        relay.management().deleteConsumer(names.stream(), name);
      }
      published.add(relay.publish(thread, new ReplyEvent.Chunk(run, 1, 0, "a")));
      published.add(relay.publish(thread, new ReplyEvent.Chunk(run, 1, 1, "b")));
      // (jnats may notice the loss itself, much later: either way nothing twice, nothing skipped)
      subscription.resume();

      await().atMost(WAIT).until(() -> read.size() >= 3);
      assertThat(read).extracting(TailedEvent::sequence).containsExactlyElementsOf(published);
      assertThat(subscription.position()).isEqualTo(tail.lastSequence(thread));
    }
  }

  @Test
  void anEventChainedAfterOneTheTailNeverReadIsHandedOnOnceTheMissingOneIsFoundGone()
      throws Exception {
    long reset = relay.publishAfter(thread, new ReplyEvent.Reset(run, 1), 0);
    long lost = relay.publishAfter(thread, new ReplyEvent.Chunk(run, 1, 0, "a"), reset);
    relay.management().deleteMessage(names.stream(), lost);
    long next = relay.publishAfter(thread, new ReplyEvent.Chunk(run, 1, 1, "b"), lost);

    try (ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add)) {
      // the chunk says it follows one the tail never read: the tail is resumed after the reset,
      // finds nothing in between, and hands the chunk on (the gap is real, not a skip)
      await().atMost(WAIT).until(() -> read.size() >= 2);
      assertThat(read).extracting(TailedEvent::sequence).containsExactly(reset, next);
      assertThat(metrics.tailGapsFound()).isEqualTo(1);
      long after = relay.publishAfter(thread, new ReplyEvent.Chunk(run, 1, 2, "c"), next);
      await().atMost(WAIT).until(() -> read.size() >= 3);
      assertThat(read).extracting(TailedEvent::sequence).containsExactly(reset, next, after);
    }
  }

  @Test
  void eventsChainedOneAfterAnotherAreHandedOnWithoutAResume() {
    long reset = relay.publishAfter(thread, new ReplyEvent.Reset(run, 1), 0);
    long first = relay.publishAfter(thread, new ReplyEvent.Chunk(run, 1, 0, "a"), reset);
    try (ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add)) {
      long second = relay.publishAfter(thread, new ReplyEvent.Chunk(run, 1, 1, "b"), first);
      await().atMost(WAIT).until(() -> read.size() >= 3);
      assertThat(read).extracting(TailedEvent::sequence).containsExactly(reset, first, second);
      assertThat(metrics.tailGapsFound()).isZero();
    }
  }

  @Test
  void closingRemovesTheServerSideConsumerAndMakesResumeANoOp() {
    ReplyTail.Subscription subscription = tail.tail(thread, 1, read::add);
    await().atMost(WAIT).until(() -> relay.consumerNames().size() == 1);

    subscription.close();
    subscription.resume();

    await().atMost(WAIT).until(() -> relay.consumerNames().isEmpty());
    relay.publish(thread, new ReplyEvent.Reset(run, 1));
    await().during(Duration.ofMillis(500)).atMost(WAIT).until(read::isEmpty);
  }
}
