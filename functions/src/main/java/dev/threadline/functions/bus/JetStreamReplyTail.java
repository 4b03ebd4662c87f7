package dev.threadline.functions.bus;

import dev.threadline.functions.stream.ReplyTail;
import dev.threadline.functions.stream.TailedEvent;
import dev.threadline.protocol.MalformedReplyEventException;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.impl.Headers;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JetStream adapter of {@link ReplyTail}: an ordered consumer per tail, filtered by subject. */
@Singleton
public class JetStreamReplyTail implements ReplyTail {

  private static final Logger LOG = LoggerFactory.getLogger(JetStreamReplyTail.class);
  /** JetStream API error: no message found (for the subject). */
  private static final int NO_MESSAGE_FOUND = 10037;
  /** JetStream API error: consumer not found (already gone). */
  private static final int CONSUMER_NOT_FOUND = 10014;

  /**
   * Short pulls: the idle heartbeat is half the expiry, and a missed heartbeat (a broker restart, a
   * lost connection) makes the ordered consumer re-create itself after the last delivered message.
   */
  private static final ConsumeOptions CONSUME_OPTIONS =
      ConsumeOptions.builder().expiresIn(5_000).build();

  private final NatsConnectionProvider nats;
  private final ReplyStreamNames names;
  private final ReplyEventCodec codec;

  public JetStreamReplyTail(
      NatsConnectionProvider nats, RepliesConfiguration replies, ReplyEventCodec codec) {
    this.nats = nats;
    this.names = replies.names();
    this.codec = codec;
  }

  @Override
  public long lastSequence(ThreadId threadId) {
    String subject = names.subjectFor(threadId);
    try {
      return nats.connection()
          .jetStreamManagement()
          .getLastMessage(names.stream(), subject)
          .getSeq();
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
        return 0;
      }
      throw new BusUnavailableException("reading the last sequence of " + subject, e);
    } catch (IOException e) {
      throw new BusUnavailableException("reading the last sequence of " + subject, e);
    }
  }

  @Override
  public Optional<ReplyEvent> eventAt(ThreadId threadId, long sequence) {
    String subject = names.subjectFor(threadId);
    try {
      MessageInfo stored = nats.connection().jetStreamManagement().getMessage(names.stream(), sequence);
      if (!subject.equals(stored.getSubject()) || stored.getHeaders() == null) {
        return Optional.empty();
      }
      String epoch = stored.getHeaders().getFirst(ReplyHeaders.EPOCH);
      return Optional.of(
          codec.decode(
              stored.getHeaders().getFirst(ReplyHeaders.EVENT),
              epoch == null ? 0 : Long.parseLong(epoch),
              stored.getData()));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != NO_MESSAGE_FOUND) {
        LOG.warn("reading message {} of {}: {}", sequence, subject, e.getMessage());
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.warn("reading message {} of {}: {}", sequence, subject, e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public Subscription tail(ThreadId threadId, long startSequence, Consumer<TailedEvent> onEvent) {
    String subject = names.subjectFor(threadId);
    OrderedConsumerConfiguration configuration =
        new OrderedConsumerConfiguration().filterSubject(subject);
    if (startSequence <= 1) {
      configuration.deliverPolicy(DeliverPolicy.All);
    } else {
      configuration.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(startSequence);
    }
    Connection connection = nats.connection();
    try {
      MessageConsumer consumer =
          connection
              .getStreamContext(names.stream())
              .createOrderedConsumer(configuration)
              .consume(CONSUME_OPTIONS, message -> deliver(subject, message, onEvent));
      return new ConsumerSubscription(connection, consumer, subject);
    } catch (IOException | JetStreamApiException e) {
      throw new BusUnavailableException("tailing " + subject + " from " + startSequence, e);
    }
  }

  private void deliver(String subject, Message message, Consumer<TailedEvent> onEvent) {
    long sequence = message.metaData().streamSequence();
    ReplyEvent event;
    try {
      Headers headers = message.getHeaders();
      if (headers == null) {
        throw new MalformedReplyEventException("no headers");
      }
      String epoch = headers.getFirst(ReplyHeaders.EPOCH);
      event =
          codec.decode(
              headers.getFirst(ReplyHeaders.EVENT),
              epoch == null ? 0 : Long.parseLong(epoch),
              message.getData());
    } catch (MalformedReplyEventException | NumberFormatException e) {
      LOG.warn("skipping message {} on {}: {}", sequence, subject, e.getMessage());
      return;
    }
    try {
      onEvent.accept(new TailedEvent(sequence, event));
    } catch (RuntimeException e) {
      LOG.warn("handling message {} on {} failed", sequence, subject, e);
    }
  }

  private final class ConsumerSubscription implements Subscription {
    private final Connection connection;
    private final MessageConsumer consumer;
    private final String subject;
    private boolean closed;

    ConsumerSubscription(Connection connection, MessageConsumer consumer, String subject) {
      this.connection = connection;
      this.consumer = consumer;
      this.subject = subject;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      String name = consumer.getConsumerName();
      try {
        consumer.close();
      } catch (Exception e) {
        LOG.debug("closing the consumer of {}: {}", subject, e.getMessage());
      }
      if (name == null) {
        return;
      }
      try {
        connection.jetStreamManagement().deleteConsumer(names.stream(), name);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
          LOG.warn("deleting consumer {} of {}: {}", name, subject, e.getMessage());
        }
      } catch (IOException e) {
        // the server removes an inactive ephemeral consumer by itself after a few seconds
        LOG.warn("deleting consumer {} of {}: {}", name, subject, e.getMessage());
      }
    }
  }
}
