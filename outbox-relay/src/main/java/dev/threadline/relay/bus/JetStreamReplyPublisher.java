package dev.threadline.relay.bus;

import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ReplyHeaders;
import dev.threadline.protocol.ReplyStreamDefinition;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.store.ClaimedRun;
import io.micronaut.context.annotation.Value;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes replies to the thread's JetStream subject, fenced at the broker with no gap. A start
 * reads the subject's last sequence, confirms in the database that the run is still ours and the
 * thread's latest start, publishes {@code reset} expecting that sequence, and only then purges the
 * subject below its reset. Every later event expects the subject's last sequence to be our own
 * previous one. Whatever anyone publishes in between moves the sequence on, so a stale owner's
 * reset or chunk is refused with API error 10071 ({@link FencedOutException}); and a purge only
 * ever removes what lies below its own reset, never a newer run's events. (A purge is not a fence:
 * after one, "expected last subject sequence 0" is accepted from anyone.)
 */
@Singleton
public class JetStreamReplyPublisher implements ReplyPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(JetStreamReplyPublisher.class);

  /** "wrong last sequence": the subject moved on without us (a newer epoch purged it). */
  static final int WRONG_LAST_SEQUENCE = 10071;

  /** "no message found": the subject is empty. */
  static final int NO_MESSAGE_FOUND = 10037;

  /**
   * Starts that find an older event slipping in (a late terminal event, a stale owner) before
   * giving up.
   */
  private static final int MAX_START_ROUNDS = 3;

  /** How long start-up waits for the reply stream to be ensured (a cluster's election). */
  private static final Duration ENSURE_PATIENCE = Duration.ofSeconds(30);

  private static final Duration SHORTEST_ATTEMPT = Duration.ofMillis(250);
  private static final Duration LONGEST_ATTEMPT = Duration.ofSeconds(2);

  private final JetStream jetStream;
  private final JetStreamManagement management;
  private final ReplyStreamNames names;
  private final ReplyEventCodec codec;
  private final Duration publishTimeout;
  private final ReplyStartListener listener;

  public JetStreamReplyPublisher(
      NatsConnection nats, ReplyStreamNames names, ReplyEventCodec codec, RelayConfig config) {
    this(nats, names, codec, config, 1, Optional.empty());
  }

  /** A publisher whose starts a test observes (and may pause). */
  public JetStreamReplyPublisher(
      NatsConnection nats,
      ReplyStreamNames names,
      ReplyEventCodec codec,
      RelayConfig config,
      ReplyStartListener listener) {
    this(nats, names, codec, config, 1, Optional.of(listener));
  }

  /**
   * @param replicas the stream's replicas ({@code THREADLINE_REPLIES_REPLICAS}), the same number
   *     functions ensure it with: a relay that ensured it with another would resize the stream on
   *     every start (a 3-node cluster's stream shrunk to one copy).
   * @param listener observes each start's steps; none in production
   */
  @Inject
  public JetStreamReplyPublisher(
      NatsConnection nats,
      ReplyStreamNames names,
      ReplyEventCodec codec,
      RelayConfig config,
      @Value("${threadline.replies.replicas:1}") int replicas,
      Optional<ReplyStartListener> listener) {
    if (replicas < 1) {
      throw new IllegalArgumentException(
          "threadline.replies.replicas (THREADLINE_REPLIES_REPLICAS) must be >= 1");
    }
    this.names = names;
    this.codec = codec;
    this.publishTimeout = config.publishTimeout();
    this.listener = listener.orElse(ReplyStartListener.NONE);
    try {
      this.jetStream = nats.connection().jetStream();
      this.management = nats.connection().jetStreamManagement();
    } catch (IOException e) {
      throw new IllegalStateException("cannot use JetStream (check NATS_URL, JetStream on)", e);
    }
    ensureStream(names, replicas);
  }

  /**
   * Creates or updates the reply stream, retrying for a while: a relay that starts while a node of
   * the JetStream cluster is down waits out the election instead of exiting.
   */
  private void ensureStream(ReplyStreamNames names, int replicas) {
    long deadline = System.nanoTime() + ENSURE_PATIENCE.toNanos();
    long pauseMillis = 200;
    while (true) {
      try {
        ReplyStreamDefinition.ensure(management, names, replicas);
        return;
      } catch (IOException | JetStreamApiException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "cannot ensure the reply stream "
                  + names.stream()
                  + " for "
                  + ENSURE_PATIENCE.toSeconds()
                  + " s (check NATS_URL, JetStream on)",
              e);
        }
        LOG.warn(
            "ensuring the reply stream {} failed, again in {} ms: {}",
            names.stream(),
            pauseMillis,
            e.getMessage());
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis));
        pauseMillis = Math.min(2000, pauseMillis * 2);
      }
    }
  }

  @Override
  public RunReply start(ClaimedRun run, OwnershipCheck owner) {
    String subject = names.subjectFor(run.threadId());
    for (int round = 1; ; round++) {
      LastMessage last = lastMessage(run, subject);
      if (last.isOf(run.runId()) && last.epoch() > run.epoch()) {
        throw new FencedOutException(
            "run "
                + run.runId()
                + " epoch "
                + last.epoch()
                + " already started, we are "
                + run.epoch(),
            null);
      }
      if (!owner.stillOwner()) {
        throw new FencedOutException(
            "run "
                + run.runId()
                + " epoch "
                + run.epoch()
                + " is no longer the thread's latest start",
            null);
      }
      listener.ownershipConfirmed(run, last.sequence());
      FencedReply reply = new FencedReply(run, subject, last.sequence());
      try {
        reply.publish(new ReplyEvent.Reset(run.runId(), run.epoch()), "reset", "reset-" + round);
      } catch (FencedOutException refused) {
        // Something was published after our read: the previous run's terminal event (its relay
        // publishes it after committing, so it can land after this run was claimed), or a stale
        // owner of this run. While the database still says this start is the thread's latest,
        // whatever slipped in is older: read again and start after it. Our reset then fences it.
        LastMessage now = lastMessage(run, subject);
        boolean older = !now.isOf(run.runId()) || now.epoch() < run.epoch();
        if (round < MAX_START_ROUNDS && older && owner.stillOwner()) {
          LOG.info(
              "{} of run {} epoch {} was published on the subject while we started; starting"
                  + " after it",
              now.sequence(),
              now.runId(),
              now.epoch());
          continue;
        }
        throw refused;
      }
      long resetSequence = reply.lastSequence;
      reply.resetSequence = resetSequence;
      listener.resetPublished(run, resetSequence);
      // Below our own reset only: whatever a newer start published lies above it, so even a purge
      // that wakes up late removes nothing but older runs' events. Nothing lies below sequence 1,
      // and nats-server takes a purge "below 1" for "the whole subject" (2.9.10): skip it.
      if (resetSequence > 1) {
        retrying(
            "purging " + subject + " below " + resetSequence + " for run " + run.runId(),
            attemptTimeout ->
                management.purgeStream(
                    names.stream(),
                    PurgeOptions.builder().subject(subject).sequence(resetSequence).build()));
      }
      return reply;
    }
  }

  /** The subject's last message, {@link LastMessage#NONE} when it is empty. */
  private LastMessage lastMessage(ClaimedRun run, String subject) {
    return retrying(
        "reading the last message of " + subject + " for run " + run.runId(),
        attemptTimeout -> {
          MessageInfo info;
          try {
            info = management.getLastMessage(names.stream(), subject);
          } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
              return LastMessage.NONE;
            }
            throw e;
          }
          return LastMessage.of(info);
        });
  }

  /**
   * Retries transient broker failures (timeouts, disconnected) until the publish timeout. Each call
   * is offered the time left, between {@link #SHORTEST_ATTEMPT} and {@link #LONGEST_ATTEMPT}, as
   * its own acknowledgement timeout: a lost request is re-sent soon (same message id), and the last
   * one ends near the deadline. (While the client is disconnected a call can still block for up to
   * the connection timeout inside jnats.)
   */
  private <T> T retrying(String what, BrokerCall<T> call) {
    long deadline = System.nanoTime() + publishTimeout.toNanos();
    long backoffMillis = 50;
    while (true) {
      try {
        long left = deadline - System.nanoTime();
        return call.run(
            Duration.ofNanos(
                Math.min(LONGEST_ATTEMPT.toNanos(), Math.max(SHORTEST_ATTEMPT.toNanos(), left))));
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
          throw new FencedOutException(what + ": a newer epoch owns the subject", e);
        }
        throw new ReplyPublishException(what + ": broker refused (" + e.getMessage() + ")", e);
      } catch (IOException | IllegalStateException e) {
        if (System.nanoTime() > deadline) {
          throw new ReplyPublishException(what + ": broker unreachable for " + publishTimeout, e);
        }
        LOG.warn("{}: {}, retrying", what, e.getMessage());
        sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, 1000);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplyPublishException("interrupted while retrying a publish", e);
    }
  }

  @FunctionalInterface
  private interface BrokerCall<T> {
    T run(Duration attemptTimeout) throws IOException, JetStreamApiException;
  }

  /** One epoch's chain of publishes on the subject. Used by one worker thread at a time. */
  private final class FencedReply implements RunReply {
    private final ClaimedRun run;
    private final String subject;

    /**
     * Message ids are {@code run:epoch:reply:event}: stable for every re-send of one event of this
     * reply, distinct from another start of the same epoch (whose reset must not be taken for a
     * duplicate of ours).
     */
    private final String messageIdPrefix;

    private long lastSequence; // what the next publish expects the subject's last sequence to be
    private long resetSequence;
    private int chunks;

    FencedReply(ClaimedRun run, String subject, long observedLastSequence) {
      this.run = run;
      this.subject = subject;
      this.lastSequence = observedLastSequence;
      this.messageIdPrefix =
          run.runId()
              + ":"
              + run.epoch()
              + ":"
              + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public void chunk(int index, String delta) {
      publish(
          new ReplyEvent.Chunk(run.runId(), run.epoch(), index, delta),
          "chunk " + index,
          "chunk-" + index);
      chunks++;
    }

    @Override
    public void done(UUID messageId, String finishReason) {
      publish(
          new ReplyEvent.Done(run.runId(), run.epoch(), messageId, finishReason), "done", "done");
    }

    @Override
    public void error(String message, String code, boolean retryable) {
      publish(
          new ReplyEvent.RunError(run.runId(), run.epoch(), message, retryable, code),
          "error",
          "error");
    }

    @Override
    public void cancelled() {
      publish(new ReplyEvent.Cancelled(run.runId(), run.epoch()), "cancelled", "cancelled");
    }

    @Override
    public int chunksPublished() {
      return chunks;
    }

    @Override
    public long resetSequence() {
      return resetSequence;
    }

    /**
     * @param key the event's identity within the epoch: publishing the same event again (a retry, a
     *     late {@code done}) sends the same message id
     */
    void publish(ReplyEvent event, String what, String key) {
      Headers headers = new Headers();
      headers.put(ReplyHeaders.EVENT, event.type());
      headers.put(ReplyHeaders.RUN_ID, run.runId().toString());
      headers.put(ReplyHeaders.EPOCH, Long.toString(run.epoch()));
      headers.put(ReplyHeaders.PREVIOUS, Long.toString(lastSequence));
      NatsMessage message =
          NatsMessage.builder().subject(subject).headers(headers).data(codec.encode(event)).build();
      // The same message id on every retry of this event, here or by a later call (a late done):
      // a publish that timed out but landed is de-duplicated (and answered with its original
      // sequence) instead of being stored twice, within the stream's duplicate window.
      PublishOptions.Builder options =
          PublishOptions.builder()
              .expectedLastSubjectSequence(lastSequence)
              .messageId(messageIdPrefix + ":" + key);
      String messageId = messageIdPrefix + ":" + key;
      String doing = "publishing " + what + " of run " + run.runId() + " epoch " + run.epoch();
      try {
        PublishAck ack =
            retrying(
                doing,
                attemptTimeout ->
                    jetStream.publish(message, options.streamTimeout(attemptTimeout).build()));
        lastSequence = ack.getSeqno();
      } catch (FencedOutException refused) {
        // An earlier attempt may have landed with its answer lost (a node died, a leader was
        // elected), and a new stream leader may not know its message id (seen on a 3-node
        // cluster, nats-server 2.9.10): the re-send is then refused as if the subject had moved
        // on. Only our own message can carry this id (its prefix holds a random nonce).
        long landed = sequenceIfLastIs(messageId);
        if (landed < 0) {
          throw new FencedOutException(
              refused.getMessage()
                  + " (we expected the subject's last sequence "
                  + lastSequence
                  + ")",
              refused);
        }
        LOG.info("{}: an earlier attempt was stored as {}; carrying on from it", doing, landed);
        lastSequence = landed;
      }
    }

    /** The sequence of the subject's last message when it has {@code messageId}, else -1. */
    private long sequenceIfLastIs(String messageId) {
      LastMessage last = lastMessage(run, subject);
      if (messageId.equals(last.messageId())) {
        return last.sequence();
      }
      LOG.info(
          "refused on {}: its last message is {} of run {} epoch {}",
          subject,
          last.sequence(),
          last.runId(),
          last.epoch());
      return -1;
    }
  }
}
