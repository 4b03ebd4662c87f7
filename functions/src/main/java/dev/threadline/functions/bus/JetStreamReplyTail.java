package dev.threadline.functions.bus;

import dev.threadline.functions.metrics.FunctionsMetrics;
import dev.threadline.functions.tail.ReplyTail;
import dev.threadline.functions.tail.TailedEvent;
import dev.threadline.protocol.MalformedReplyEventException;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.protocol.ThreadId;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ConsumeOptions;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JetStream adapter of {@link ReplyTail}: an ordered consumer per tail, filtered by subject,
 * re-created after the last message it read when the connection comes back or when asked; core NATS
 * subscriptions for the watches and deletions. Every consumer and subscription of a connection
 * shares one dispatcher, so the number of threads does not grow with tails.
 */
@Singleton
public class JetStreamReplyTail implements ReplyTail, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JetStreamReplyTail.class);

  /** JetStream API error: no message found (for the subject). */
  private static final int NO_MESSAGE_FOUND = 10037;

  /** JetStream API error: consumer not found (already gone). */
  private static final int CONSUMER_NOT_FOUND = 10014;

  /**
   * How long each pull request of a tail waits on the server. The server deletes an ephemeral
   * consumer (jnats' ordered ones have no inactive threshold of their own: the server's default, 5
   * s, applies) that has no waiting pull and got none for that threshold. A tail that receives
   * nothing uses up no pull before it expires, so jnats pulls again only once the expiry's 408 has
   * come back: with pulls as long as the threshold, a re-pull that reaches the server a few tens of
   * milliseconds late (a loaded machine, a GC pause) finds the consumer deleted, and the tail then
   * reads nothing until jnats' heartbeat alarm or {@code ReplySession}'s check re-creates it, by
   * which time the thread's next run may have purged what it missed. 2 s pulls leave a re-pull 3 s
   * of slack (the idle heartbeat is half the expiry; a missed one makes jnats re-create the
   * consumer itself).
   */
  static final Duration PULL_EXPIRY = Duration.ofSeconds(2);

  private static final ConsumeOptions CONSUME_OPTIONS =
      ConsumeOptions.builder().expiresIn(PULL_EXPIRY.toMillis()).build();

  private static final long RESUME_BACKOFF_FIRST_MS = 100;
  private static final long RESUME_BACKOFF_MAX_MS = 2_000;

  private final NatsConnectionProvider nats;
  private final FunctionsMetrics metrics;
  private final ReplyStreamNames names;
  private final ReplyEventCodec codec;

  /** The tails open now: each is resumed after a reconnect. */
  private final Set<ResumableSubjectConsumer> open = ConcurrentHashMap.newKeySet();

  private final Set<Connection> listenedTo = Collections.newSetFromMap(new IdentityHashMap<>());

  /** The dispatcher shared by all tails and watches of a connection (one per connection). */
  private final Map<Connection, Dispatcher> dispatchers =
      Collections.synchronizedMap(new IdentityHashMap<>());

  private final List<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();

  /**
   * Resumes after reconnects and deletes replaced consumers: broker requests, off jnats threads.
   */
  private final ScheduledExecutorService background =
      Executors.newScheduledThreadPool(
          2,
          runnable -> {
            Thread thread = new Thread(runnable, "reply-tail-resume");
            thread.setDaemon(true);
            return thread;
          });

  public JetStreamReplyTail(
      NatsConnectionProvider nats,
      RepliesConfiguration replies,
      ReplyEventCodec codec,
      FunctionsMetrics metrics) {
    this.nats = nats;
    this.metrics = metrics;
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
  public OptionalLong firstSequenceFrom(ThreadId threadId, long sequence) {
    String subject = names.subjectFor(threadId);
    try {
      return OptionalLong.of(
          nats.connection()
              .jetStreamManagement()
              .getNextMessage(names.stream(), Math.max(1, sequence), subject)
              .getSeq());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
        return OptionalLong.empty();
      }
      throw new BusUnavailableException("reading " + subject + " from " + sequence, e);
    } catch (IOException e) {
      throw new BusUnavailableException("reading " + subject + " from " + sequence, e);
    }
  }

  @Override
  public Watch watch(ThreadId threadId, Runnable onActivity) {
    String subject = names.subjectFor(threadId);
    Connection connection = nats.connection();
    listenForReconnects(connection);
    Dispatcher dispatcher = dispatcherOf(connection);
    // no flush: the caller's next request (the subject's last sequence) goes out on this
    // connection after the SUB, and a server handles a connection's messages in order, so what is
    // published before the server has the interest is in the answer to that request. (A flush per
    // watch would also put several pings in flight at once, which jnats takes for a dead
    // connection: "Max outgoing Ping count exceeded", then a reconnect.)
    io.nats.client.Subscription subscription =
        dispatcher.subscribe(subject, message -> onActivity.run());
    return new Watch() {
      private boolean closed;

      @Override
      public synchronized void close() {
        if (closed) {
          return;
        }
        closed = true;
        try {
          dispatcher.unsubscribe(subscription);
        } catch (RuntimeException e) {
          LOG.debug("unwatching {}: {}", subject, e.getMessage());
        }
      }
    };
  }

  @Override
  public void onThreadDeleted(Consumer<ThreadId> onDeleted) {
    Connection connection = nats.connection();
    listenForReconnects(connection);
    // names.threadDeletedSubject(threadId) for every thread
    String wildcard = names.subjectPrefix() + "-deleted.*";
    dispatcherOf(connection)
        .subscribe(
            wildcard,
            message -> {
              String id = message.getSubject().substring(message.getSubject().lastIndexOf('.') + 1);
              if (ThreadId.isValid(id)) {
                onDeleted.accept(new ThreadId(id));
              }
            });
  }

  @Override
  public void onReconnected(Runnable onReconnected) {
    reconnectListeners.add(onReconnected);
  }

  private Dispatcher dispatcherOf(Connection connection) {
    return dispatchers.computeIfAbsent(connection, Connection::createDispatcher);
  }

  @Override
  public Optional<ReplyEvent> eventAt(ThreadId threadId, long sequence) {
    String subject = names.subjectFor(threadId);
    try {
      MessageInfo stored =
          nats.connection().jetStreamManagement().getMessage(names.stream(), sequence);
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
    Connection connection = nats.connection();
    listenForReconnects(connection);
    ResumableSubjectConsumer tail =
        new ResumableSubjectConsumer(
            connection,
            dispatcherOf(connection),
            names.stream(),
            subject,
            startSequence,
            CONSUME_OPTIONS,
            message -> deliver(subject, message, onEvent),
            name -> inBackground(() -> deleteConsumer(connection, name, subject)),
            open::remove,
            gapped -> {
              metrics.tailGapFound();
              inBackground(
                  () ->
                      withRetries(
                          gapped, "filling a gap of", ResumableSubjectConsumer::fillGap, 0));
            });
    // registered first: a reconnect while the first consumer is created resumes it too
    open.add(tail);
    try {
      tail.start();
    } catch (RuntimeException e) {
      tail.close();
      throw e;
    }
    return tail;
  }

  /**
   * After a reconnect every tail is re-created after the last message it read: the server may have
   * restarted and lost the ephemeral consumers (lesson 8), and jnats notices that only much later.
   */
  private void listenForReconnects(Connection connection) {
    synchronized (listenedTo) {
      if (!listenedTo.add(connection)) {
        return;
      }
    }
    connection.addConnectionListener(
        (conn, event) -> {
          if (event == ConnectionListener.Events.RECONNECTED) {
            LOG.info("NATS reconnected: resuming {} reply tails", open.size());
            for (ResumableSubjectConsumer tail : open) {
              inBackground(
                  () -> withRetries(tail, "resuming", ResumableSubjectConsumer::resume, 0));
            }
            for (Runnable listener : reconnectListeners) {
              inBackground(listener);
            }
          }
        });
  }

  /**
   * Does {@code work} on a tail ("resuming", "filling a gap of"), retrying with backoff while the
   * broker is not ready and the tail is open.
   */
  private void withRetries(
      ResumableSubjectConsumer tail,
      String doing,
      Consumer<ResumableSubjectConsumer> work,
      int attempt) {
    if (!open.contains(tail)) {
      return;
    }
    try {
      work.accept(tail);
    } catch (RuntimeException e) {
      long delay = Math.min(RESUME_BACKOFF_MAX_MS, RESUME_BACKOFF_FIRST_MS << Math.min(attempt, 4));
      LOG.info(
          "{} the tail of {} failed (attempt {}), again in {} ms: {}",
          doing,
          tail.subject(),
          attempt + 1,
          delay,
          e.getMessage());
      try {
        background.schedule(
            () -> withRetries(tail, doing, work, attempt + 1), delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        // the application is stopping: nothing to do it for
      }
    }
  }

  private void inBackground(Runnable task) {
    try {
      background.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      // the application is stopping: the server drops inactive ephemeral consumers by itself
    }
  }

  private void deleteConsumer(Connection connection, String name, String subject) {
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

  @PreDestroy
  @Override
  public void close() {
    background.shutdownNow();
  }

  private void deliver(String subject, StoredMessage message, Consumer<TailedEvent> onEvent) {
    long sequence = message.sequence();
    ReplyEvent event;
    long previous;
    try {
      Headers headers = message.headers();
      if (headers == null) {
        throw new MalformedReplyEventException("no headers");
      }
      String epoch = headers.getFirst(ReplyHeaders.EPOCH);
      event =
          codec.decode(
              headers.getFirst(ReplyHeaders.EVENT),
              epoch == null ? 0 : Long.parseLong(epoch),
              message.data());
      String chainedTo = headers.getFirst(ReplyHeaders.PREVIOUS);
      previous = chainedTo == null ? -1 : Long.parseLong(chainedTo);
    } catch (MalformedReplyEventException | NumberFormatException e) {
      LOG.warn("skipping message {} on {}: {}", sequence, subject, e.getMessage());
      return;
    }
    try {
      onEvent.accept(new TailedEvent(sequence, event, previous));
    } catch (RuntimeException e) {
      LOG.warn("handling message {} on {} failed", sequence, subject, e);
    }
  }
}
