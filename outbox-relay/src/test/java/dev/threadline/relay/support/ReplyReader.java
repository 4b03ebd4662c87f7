package dev.threadline.relay.support;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfoOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads what a thread's subject holds now, oldest first, decoded (test-side reader). */
public final class ReplyReader {

  private final JetStreamManagement management;
  private final ReplyStreamNames names;
  private final ReplyEventCodec codec;

  public ReplyReader(Connection connection, ReplyStreamNames names, ReplyEventCodec codec) {
    try {
      this.management = connection.jetStreamManagement();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    this.names = names;
    this.codec = codec;
  }

  public List<ReplyEvent> events(ThreadId thread) {
    String subject = names.subjectFor(thread);
    List<ReplyEvent> events = new ArrayList<>();
    try {
      var info =
          management.getStreamInfo(names.stream(), StreamInfoOptions.filterSubjects(subject));
      long last = info.getStreamState().getLastSequence();
      long sequence = 0;
      while (true) {
        MessageInfo message;
        try {
          message = management.getNextMessage(names.stream(), sequence + 1, subject);
        } catch (JetStreamApiException e) {
          break; // no message at or after that sequence
        }
        sequence = message.getSeq();
        events.add(
            codec.decode(
                message.getHeaders().getFirst(ReplyHeaders.EVENT),
                Long.parseLong(message.getHeaders().getFirst(ReplyHeaders.EPOCH)),
                message.getData()));
        if (sequence >= last) {
          break;
        }
      }
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("reading " + subject, e);
    }
    return events;
  }
}
