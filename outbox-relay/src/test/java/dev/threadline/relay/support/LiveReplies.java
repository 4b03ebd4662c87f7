package dev.threadline.relay.support;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every reply event published on a thread's subject while subscribed, as a live client sees it. */
public final class LiveReplies implements AutoCloseable {

  private final List<ReplyEvent> events = new CopyOnWriteArrayList<>();
  private final Connection connection;
  private final Dispatcher dispatcher;

  public LiveReplies(
      Connection connection, ReplyStreamNames names, ReplyEventCodec codec, ThreadId thread) {
    this.connection = connection;
    this.dispatcher =
        connection.createDispatcher(
            message ->
                events.add(
                    codec.decode(
                        message.getHeaders().getFirst(ReplyHeaders.EVENT),
                        Long.parseLong(message.getHeaders().getFirst(ReplyHeaders.EPOCH)),
                        message.getData())));
    dispatcher.subscribe(names.subjectFor(thread));
    try {
      connection.flush(java.time.Duration.ofSeconds(2));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public List<ReplyEvent> events() {
    return List.copyOf(events);
  }

  public boolean hasTerminal() {
    return events.stream().anyMatch(ReplyEvent::terminal);
  }

  @Override
  public void close() {
    connection.closeDispatcher(dispatcher);
  }
}
