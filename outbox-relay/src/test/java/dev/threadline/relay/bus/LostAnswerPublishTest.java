package dev.threadline.relay.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import dev.threadline.relay.support.ReplyReader;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.serde.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A publish that was stored but whose answer was lost, re-sent to a stream leader that no longer
 * knows its message id (what a node's death in a 3-node cluster does on nats-server 2.9.10): the
 * broker refuses the re-send as if the subject had moved on, and the publisher must tell its own
 * stored message from a newer owner's, and carry on.
 */
class LostAnswerPublishTest {

  private static final ReplyStreamNames NAMES = TestReplyStream.unique();
  private static final ReplyEventCodec CODEC = new ReplyEventCodec(ObjectMapper.getDefault());

  private static NatsConnection nats;
  private static ReplyReader reader;

  @BeforeAll
  static void connect() {
    nats = new NatsConnection("nats://127.0.0.1:4222");
    reader = new ReplyReader(nats.connection(), NAMES, CODEC);
  }

  @AfterAll
  static void deleteStream() throws Exception {
    nats.connection().jetStreamManagement().deleteStream(NAMES.stream());
    nats.close();
  }

  @Test
  void aStoredPublishWhoseAnswerWasLostIsNotTakenForAFence() {
    AtomicInteger publishes = new AtomicInteger();
    JetStreamReplyPublisher publisher = lossyPublisher(publishes);
    ThreadId thread = JetStreamReplyPublisherTest.newThread();
    UUID runId = UUID.randomUUID();

    RunReply reply =
        publisher.start(
            JetStreamReplyPublisherTest.run(thread, runId, 1), JetStreamReplyPublisherTest.OWNER);
    reply.chunk(0, "Hel"); // stored, answer lost, re-sent without its id: refused
    reply.chunk(1, "lo");

    assertThat(publishes).hasValue(4);
    assertThat(reader.events(thread))
        .containsExactly(
            new ReplyEvent.Reset(runId, 1),
            new ReplyEvent.Chunk(runId, 1, 0, "Hel"),
            new ReplyEvent.Chunk(runId, 1, 1, "lo"));
  }

  @Test
  void aRefusalAfterALostAnswerIsStillAFenceWhenAnotherOwnerPublishedMeanwhile() {
    AtomicInteger publishes = new AtomicInteger();
    JetStreamReplyPublisher publisher = lossyPublisher(publishes);
    JetStreamReplyPublisher newer =
        new JetStreamReplyPublisher(nats, NAMES, CODEC, JetStreamReplyPublisherTest.testConfig());
    ThreadId thread = JetStreamReplyPublisherTest.newThread();
    UUID runId = UUID.randomUUID();
    RunReply reply =
        publisher.start(
            JetStreamReplyPublisherTest.run(thread, runId, 1), JetStreamReplyPublisherTest.OWNER);
    publishes.set(10); // the next publish is answered normally
    newer.start(
        JetStreamReplyPublisherTest.run(thread, runId, 2), JetStreamReplyPublisherTest.OWNER);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> reply.chunk(0, "stale"))
        .isInstanceOf(FencedOutException.class);
    assertThat(reader.events(thread)).containsExactly(new ReplyEvent.Reset(runId, 2));
  }

  private static JetStreamReplyPublisher lossyPublisher(AtomicInteger publishes) {
    return new JetStreamReplyPublisher(
        losingTheSecondAnswer(nats, publishes),
        NAMES,
        CODEC,
        JetStreamReplyPublisherTest.testConfig());
  }

  /**
   * A connection whose second JetStream publish is stored but answered with a timeout, and whose
   * third (the re-send) reaches the broker without its message id, as a new leader that lost the
   * de-duplication window would treat it.
   */
  private static NatsConnection losingTheSecondAnswer(NatsConnection real, AtomicInteger count) {
    JetStream jetStream;
    try {
      jetStream = real.connection().jetStream();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    JetStream lossy =
        proxy(
            JetStream.class,
            jetStream,
            (method, args) -> {
              if (!method.getName().equals("publish")
                  || args == null
                  || args.length != 2
                  || !(args[1] instanceof PublishOptions options)) {
                return method.invoke(jetStream, args);
              }
              int n = count.incrementAndGet();
              if (n == 2) {
                jetStream.publish((Message) args[0], options);
                throw new IOException("Timeout or no response waiting for NATS JetStream server");
              }
              if (n == 3) {
                return jetStream.publish(
                    (Message) args[0],
                    PublishOptions.builder()
                        .expectedLastSubjectSequence(options.getExpectedLastSubjectSequence())
                        .streamTimeout(options.getStreamTimeout())
                        .build());
              }
              return method.invoke(jetStream, args);
            });
    Connection connection =
        proxy(
            Connection.class,
            real.connection(),
            (method, args) ->
                method.getName().equals("jetStream") && (args == null || args.length == 0)
                    ? lossy
                    : method.invoke(real.connection(), args));
    return new NatsConnection("nats://127.0.0.1:4222") {
      @Override
      public Connection connection() {
        return connection;
      }
    };
  }

  @FunctionalInterface
  private interface Call {
    Object invoke(Method method, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, T real, Call call) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          try {
            return call.invoke(method, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
