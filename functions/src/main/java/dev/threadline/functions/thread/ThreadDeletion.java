package dev.threadline.functions.thread;

import dev.threadline.functions.bus.NatsConnectionProvider;
import dev.threadline.functions.bus.RepliesConfiguration;
import dev.threadline.functions.store.ThreadDirectory;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.Connection;
import io.nats.client.PurgeOptions;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deleting a thread: one transaction removes its messages and runs (and tells the executor of a
 * running one to stop, as a cancel does); after the commit its reply subject is purged and a core
 * NATS message on {@link ReplyStreamNames#threadDeletedSubject} ends the streams open on it, on
 * every functions instance.
 *
 * <p>A relay still working the run then finds nothing: its aborted run cannot be cancelled (no
 * row), its fenced completion updates no row, and its next publish expects a subject sequence the
 * purge removed, so the broker refuses it.
 */
@Singleton
class ThreadDeletion {

  private static final Logger LOG = LoggerFactory.getLogger(ThreadDeletion.class);

  private final ThreadDirectory directory;
  private final NatsConnectionProvider nats;
  private final ReplyStreamNames names;

  ThreadDeletion(
      ThreadDirectory directory, NatsConnectionProvider nats, RepliesConfiguration replies) {
    this.directory = directory;
    this.nats = nats;
    this.names = replies.names();
  }

  /**
   * @return false when the owner has no such thread
   */
  boolean delete(ThreadId id, String owner) {
    Optional<List<UUID>> stopped = directory.deleteThread(id, owner);
    if (stopped.isEmpty()) {
      return false;
    }
    LOG.info("thread deleted; {} running run(s) told to stop", stopped.get().size());
    try {
      Connection connection = nats.connection();
      connection
          .jetStreamManagement()
          .purgeStream(names.stream(), PurgeOptions.subject(names.subjectFor(id)));
      connection.publish(names.threadDeletedSubject(id), new byte[0]);
    } catch (IOException | io.nats.client.JetStreamApiException | RuntimeException e) {
      // the thread is gone from PostgreSQL, the truth every stream reads; what stays on the
      // subject ages out with the stream's limits, and a new run on a re-created id purges it
      LOG.warn("thread deleted, but its reply subject was not purged: {}", e.toString());
    }
    return true;
  }
}
