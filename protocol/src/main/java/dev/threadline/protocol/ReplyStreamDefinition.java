package dev.threadline.protocol;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;

/**
 * The one JetStream stream that holds every thread's reply. Functions and relay both ensure it at
 * start-up, whichever comes first, with this same definition.
 */
public final class ReplyStreamDefinition {

  /** A thread's latest run must stay readable for at least an hour after it ends (contract 5). */
  public static final Duration MAX_AGE = Duration.ofHours(24);

  /** Window in which a re-sent publish with the same {@code Nats-Msg-Id} is dropped. */
  public static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);

  private ReplyStreamDefinition() {}

  public static StreamConfiguration configuration(ReplyStreamNames names, int replicas) {
    return StreamConfiguration.builder()
        .name(names.stream())
        .subjects(names.allSubjects())
        .storageType(StorageType.File)
        .retentionPolicy(RetentionPolicy.Limits)
        .discardPolicy(DiscardPolicy.Old)
        .maxAge(MAX_AGE)
        .duplicateWindow(DUPLICATE_WINDOW)
        .replicas(replicas)
        .build();
  }

  /** Creates the stream, or updates it to this definition; safe to call from many processes. */
  public static StreamInfo ensure(
      JetStreamManagement management, ReplyStreamNames names, int replicas)
      throws IOException, JetStreamApiException {
    StreamConfiguration wanted = configuration(names, replicas);
    try {
      return management.addStream(wanted);
    } catch (JetStreamApiException e) {
      // 10058: a stream of that name exists (with another config, or a concurrent creator won)
      if (e.getApiErrorCode() == 10058) {
        return management.updateStream(wanted);
      }
      throw e;
    }
  }
}
