package dev.threadline.relay.support;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a client attached to an in-progress thread sees: an ordered JetStream consumer of the
 * thread's subject from what it holds now (the current run's reset), then live. Unlike a core NATS
 * subscription it sees only what the stream stored, never a publish the broker refused.
 */
public final class JetStreamTail implements AutoCloseable {

  private final List<ReplyEvent> events = new CopyOnWriteArrayList<>();
  private final Dispatcher dispatcher;
  private final JetStreamSubscription subscription;
  private final Connection connection;

  public JetStreamTail(
      Connection connection, ReplyStreamNames names, ReplyEventCodec codec, ThreadId thread) {
    this.connection = connection;
    this.dispatcher = connection.createDispatcher();
    try {
      this.subscription =
          connection
              .jetStream()
              .subscribe(
                  names.subjectFor(thread),
                  dispatcher,
                  message ->
                      events.add(
                          codec.decode(
                              message.getHeaders().getFirst(ReplyHeaders.EVENT),
                              Long.parseLong(message.getHeaders().getFirst(ReplyHeaders.EPOCH)),
                              message.getData())),
                  false,
                  PushSubscribeOptions.builder().stream(names.stream())
                      .ordered(true)
                      .configuration(
                          ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.All).build())
                      .build());
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("tailing " + names.subjectFor(thread), e);
    }
  }

  public List<ReplyEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    dispatcher.unsubscribe(subscription);
    connection.closeDispatcher(dispatcher);
  }
}
