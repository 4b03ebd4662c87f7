package dev.threadline.functions.support;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamDefinition;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.PurgeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.util.List;

/** Publishes reply events the way the relay does: headers + the codec's JSON body. */
public final class ReplyPublisher implements AutoCloseable {

  private final Connection connection;
  private final ReplyStreamNames names;
  private final ReplyEventCodec codec;

  public ReplyPublisher(ReplyStreamNames names, ReplyEventCodec codec) {
    this(names, codec, "nats://127.0.0.1:4222");
  }

  public ReplyPublisher(ReplyStreamNames names, ReplyEventCodec codec, String url) {
    this.names = names;
    this.codec = codec;
    try {
      this.connection =
          Nats.connect(new io.nats.client.Options.Builder().server(url).maxReconnects(-1).build());
      ReplyStreamDefinition.ensure(connection.jetStreamManagement(), names, 1);
    } catch (Exception e) {
      throw new IllegalStateException("NATS on 127.0.0.1:4222 with JetStream is needed", e);
    }
  }

  public JetStreamManagement management() {
    try {
      return connection.jetStreamManagement();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public List<String> consumerNames() {
    try {
      return management().getConsumerNames(names.stream());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Purges the thread's subject, as the relay does before each (re)start. */
  public void purge(ThreadId threadId) {
    try {
      management().purgeStream(names.stream(), PurgeOptions.subject(names.subjectFor(threadId)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @return the event's stream sequence
   */
  public long publish(ThreadId threadId, ReplyEvent event) {
    return publish(threadId, event, new Headers());
  }

  /**
   * As the relay does, with the sequence it chained the event to.
   *
   * @return the event's stream sequence
   */
  public long publishAfter(ThreadId threadId, ReplyEvent event, long previous) {
    Headers headers = new Headers();
    headers.put(ReplyHeaders.PREVIOUS, Long.toString(previous));
    return publish(threadId, event, headers);
  }

  private long publish(ThreadId threadId, ReplyEvent event, Headers headers) {
    headers.put(ReplyHeaders.EVENT, event.type());
    headers.put(ReplyHeaders.RUN_ID, event.runId().toString());
    headers.put(ReplyHeaders.EPOCH, Long.toString(event.epoch()));
    try {
      PublishAck ack =
          connection
              .jetStream()
              .publish(
                  NatsMessage.builder()
                      .subject(names.subjectFor(threadId))
                      .headers(headers)
                      .data(codec.encode(event))
                      .build());
      return ack.getSeqno();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String json(ReplyEvent event) {
    return codec.encodeToString(event);
  }

  @Override
  public void close() throws InterruptedException {
    connection.close();
  }
}
