package dev.threadline.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamNames;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the reply stream holds right now, read straight from JetStream rather than through
 * functions: every event still stored, per thread subject, in stream order. Shows what a publisher
 * left behind, including anything a client would never be shown.
 */
final class ReplySubjects {

  /** One stored message: its stream sequence, headers and JSON data. */
  record BusEvent(long sequence, String type, String runId, long epoch, JsonNode data) {}

  private ReplySubjects() {}

  /** Every stored event of the stream, by subject. */
  static Map<String, List<BusEvent>> read(String natsUrl, ReplyStreamNames names) {
    try (Connection connection = Nats.connect(natsUrl)) {
      JetStreamManagement management = connection.jetStreamManagement();
      StreamState state = management.getStreamInfo(names.stream()).getStreamState();
      Map<String, List<BusEvent>> bySubject = new LinkedHashMap<>();
      for (long seq = state.getFirstSequence(); seq > 0 && seq <= state.getLastSequence(); seq++) {
        MessageInfo message;
        try {
          message = management.getMessage(names.stream(), seq);
        } catch (JetStreamApiException purged) {
          continue; // purged with its subject by a later (re)start
        }
        bySubject
            .computeIfAbsent(message.getSubject(), s -> new ArrayList<>())
            .add(
                new BusEvent(
                    seq,
                    message.getHeaders().getFirst(ReplyHeaders.EVENT),
                    message.getHeaders().getFirst(ReplyHeaders.RUN_ID),
                    Long.parseLong(message.getHeaders().getFirst(ReplyHeaders.EPOCH)),
                    ApiClient.JSON.readTree(message.getData())));
      }
      return bySubject;
    } catch (IOException e) {
      throw new UncheckedIOException("reading stream " + names.stream(), e);
    } catch (JetStreamApiException e) {
      throw new IllegalStateException("reading stream " + names.stream(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String subjectOf(ReplyStreamNames names, String threadId) {
    return names.subjectFor(new dev.threadline.protocol.ThreadId(threadId));
  }
}
