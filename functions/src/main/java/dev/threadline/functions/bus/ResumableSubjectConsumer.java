package dev.threadline.functions.bus;

import dev.threadline.functions.tail.ReplyTail;
import dev.threadline.protocol.ReplyHeaders;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tail of one subject: a JetStream ordered consumer that this class re-creates, by start
 * sequence, right after the last message it read, whenever asked ({@link #resume()}). jnats 2.21.1
 * re-creates an ordered consumer only after its heartbeat alarm (seen here: about 14 s after a
 * broker restart, when it does at all), which is far too late for a run that ends meanwhile: the
 * caller resumes at once on reconnect and whenever the subject holds more than was read.
 *
 * <p>Only messages of the current consumer whose stream sequence is past the last one read are
 * handed on, in order, one at a time: a resume repeats nothing and skips nothing, even while the
 * replaced consumer is still delivering.
 */
final class ResumableSubjectConsumer implements ReplyTail.Subscription {

  private static final Logger LOG = LoggerFactory.getLogger(ResumableSubjectConsumer.class);

  /** "no message found". */
  private static final int NO_MESSAGE_FOUND = 10037;

  private final Connection connection;
  private final String stream;
  private final String subject;
  private final ConsumeOptions consumeOptions;
  private final Consumer<StoredMessage> onMessage;
  private final Consumer<String> retireConsumer;
  private final Consumer<ResumableSubjectConsumer> onClose;
  private final Consumer<ResumableSubjectConsumer> onGap;

  /** Guards {@link #consumer} and the (re-)creation of consumers. */
  private final Object lifecycle = new Object();

  /** Guards {@link #position} and {@link #generation} together, and serialises delivery. */
  private final Object delivery = new Object();

  private volatile long position;
  private volatile long generation;

  /** The consumer sequence of the last message of the current consumer; 0 before its first. */
  private long lastConsumerSequence;

  /** The sequence of the message that showed a gap, while a resume for it is pending; else 0. */
  private long gapAt;

  /** The message whose gap the last resume was for: if it shows the same gap again, it is real. */
  private long resumedForGapAt;

  private volatile boolean closed;
  private MessageConsumer consumer;

  /**
   * The dispatcher shared by every tail of the connection (one thread for all): left to itself,
   * jnats gives each ordered consumer context a dispatcher (a thread) of its own and never closes
   * it, so threads would grow with tails.
   */
  private final Dispatcher dispatcher;

  /**
   * @param onMessage gets each new message, in stream order, on a jnats dispatcher thread
   * @param retireConsumer deletes a replaced consumer on the server (it gets the consumer's name;
   *     best effort, off the caller's thread)
   * @param onClose told when this tail is closed
   * @param onGap told (on the dispatcher thread; it must not block) when a message shows that one
   *     before it was skipped: it should call {@link #fillGap()} soon, off that thread
   */
  ResumableSubjectConsumer(
      Connection connection,
      Dispatcher dispatcher,
      String stream,
      String subject,
      long startSequence,
      ConsumeOptions consumeOptions,
      Consumer<StoredMessage> onMessage,
      Consumer<String> retireConsumer,
      Consumer<ResumableSubjectConsumer> onClose,
      Consumer<ResumableSubjectConsumer> onGap) {
    this.connection = connection;
    this.dispatcher = dispatcher;
    this.stream = stream;
    this.subject = subject;
    this.position = Math.max(0, startSequence - 1);
    this.consumeOptions = consumeOptions;
    this.onMessage = onMessage;
    this.retireConsumer = retireConsumer;
    this.onClose = onClose;
    this.onGap = onGap;
  }

  String subject() {
    return subject;
  }

  @Override
  public long position() {
    return position;
  }

  /** Creates the first consumer. */
  void start() {
    resume();
  }

  @Override
  public void resume() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      long from;
      long mine;
      long readConsumerSequence;
      synchronized (delivery) {
        // from here on the replaced consumer delivers nothing, and nothing past `from - 1` was read
        mine = ++generation;
        from = position + 1;
        readConsumerSequence = lastConsumerSequence;
        lastConsumerSequence = 0;
        resumedForGapAt = gapAt;
        gapAt = 0;
      }
      MessageConsumer replaced = consumer;
      consumer = null;
      describe(replaced, from - 1, readConsumerSequence);
      stop(replaced);
      OrderedConsumerConfiguration configuration =
          new OrderedConsumerConfiguration().filterSubject(subject);
      if (from <= 1) {
        configuration.deliverPolicy(DeliverPolicy.All);
      } else {
        configuration.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(from);
      }
      try {
        consumer =
            connection
                .getStreamContext(stream)
                .createOrderedConsumer(configuration)
                .consume(consumeOptions, dispatcher, message -> deliver(mine, message));
      } catch (IOException | JetStreamApiException | RuntimeException e) {
        throw new BusUnavailableException("tailing " + subject + " from " + from, e);
      }
    }
  }

  private void deliver(long of, Message message) {
    synchronized (delivery) {
      if (closed || of != generation) {
        return; // a replaced consumer's late message: its successor delivers it
      }
      long sequence = message.metaData().streamSequence();
      long consumerSequence = message.metaData().consumerSequence();
      if (consumerSequence != lastConsumerSequence + 1) {
        // jnats re-created the ordered consumer itself (its sequence starts again at 1) or a
        // message went missing: logged to tell such resets from stalls
        LOG.info(
            "consumer {} of {}: consumer sequence {} after {} (stream sequence {}, read up to {})",
            message.getSID(),
            subject,
            consumerSequence,
            lastConsumerSequence,
            sequence,
            position);
      }
      lastConsumerSequence = consumerSequence;
      if (sequence <= position) {
        return;
      }
      if (skippedOneBefore(message, sequence)) {
        return;
      }
      handOn(StoredMessage.of(message));
    }
  }

  /** Called holding {@link #delivery}, with a message past {@link #position}. */
  private void handOn(StoredMessage message) {
    try {
      onMessage.accept(message);
    } finally {
      // only now: a reader that sees this position knows the message was handled
      position = message.sequence();
    }
  }

  /**
   * Reads what the consumer skipped from the stream's leader, which holds every acknowledged
   * message (a consumer may be served by a replica still catching up after a node's restart, and
   * skip what that replica lacks), hands it on in order, then resumes the consumer after it. Blocks
   * on the broker: never on the dispatcher thread.
   *
   * @throws BusUnavailableException when the broker does not answer (the caller tries again)
   */
  void fillGap() {
    long upTo;
    synchronized (delivery) {
      upTo = gapAt;
    }
    if (upTo == 0 || closed) {
      return;
    }
    int filled = 0;
    while (true) {
      long from = position + 1;
      MessageInfo next;
      try {
        next = connection.jetStreamManagement().getNextMessage(stream, from, subject);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
          break;
        }
        throw new BusUnavailableException("reading " + subject + " from " + from, e);
      } catch (IOException e) {
        throw new BusUnavailableException("reading " + subject + " from " + from, e);
      }
      if (next.getSeq() >= upTo) {
        break;
      }
      synchronized (delivery) {
        if (closed) {
          return;
        }
        if (next.getSeq() > position) {
          handOn(StoredMessage.of(next));
          filled++;
        }
      }
    }
    LOG.info(
        "{}: read {} skipped events from the stream's leader, up to {}", subject, filled, position);
    resume();
  }

  /**
   * True when the message says the subject held an event after the last one read and before it (its
   * publisher chained it to a later sequence), so that event was skipped: nothing is handed on
   * until {@link #fillGap()} read the skipped ones from the stream's leader. A reset starts a run
   * over what came before, and a gap seen again right after a fill for it is real (the events are
   * gone from the stream): both are handed on.
   */
  private boolean skippedOneBefore(Message message, long sequence) {
    Headers headers = message.getHeaders();
    String previous = headers == null ? null : headers.getFirst(ReplyHeaders.PREVIOUS);
    if (previous == null || "reset".equals(headers.getFirst(ReplyHeaders.EVENT))) {
      return false;
    }
    long before;
    try {
      before = Long.parseLong(previous);
    } catch (NumberFormatException e) {
      return false;
    }
    if (before <= position) {
      return false;
    }
    if (resumedForGapAt == sequence) {
      LOG.warn(
          "{}: events after {} up to {} are gone from the stream; carrying on at {}",
          subject,
          position,
          before,
          sequence);
      return false;
    }
    if (gapAt == 0) {
      gapAt = sequence;
      LOG.info(
          "{}: message {} follows {}, but only {} was read: reading what was skipped",
          subject,
          sequence,
          before,
          position);
      onGap.accept(this);
    }
    return true;
  }

  /**
   * Logs what the server says of a consumer about to be replaced: whether it still exists, what it
   * delivered and whether a pull waits; that tells a tail the server stopped serving from one whose
   * messages never reached this process's handler. One request, best effort.
   */
  private void describe(MessageConsumer replaced, long read, long readConsumerSequence) {
    if (replaced == null) {
      return;
    }
    String name = replaced.getConsumerName();
    try {
      ConsumerInfo info = connection.jetStreamManagement().getConsumerInfo(stream, name);
      LOG.info(
          "replacing consumer {} of {} (read up to {}, consumer sequence {}): the server delivered"
              + " up to stream sequence {} (consumer sequence {}), {} pulls waiting, {} messages"
              + " pending",
          name,
          subject,
          read,
          readConsumerSequence,
          info.getDelivered().getStreamSequence(),
          info.getDelivered().getConsumerSequence(),
          info.getNumWaiting(),
          info.getNumPending());
    } catch (JetStreamApiException e) {
      LOG.info(
          "replacing consumer {} of {} (read up to {}): the server says {}",
          name,
          subject,
          read,
          e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.debug("describing consumer {} of {}: {}", name, subject, e.getMessage());
    }
  }

  private void stop(MessageConsumer replaced) {
    if (replaced == null) {
      return;
    }
    String name = replaced.getConsumerName();
    try {
      replaced.close();
    } catch (Exception e) {
      LOG.debug("closing the consumer of {}: {}", subject, e.getMessage());
    }
    if (name != null) {
      retireConsumer.accept(name);
    }
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      stop(consumer);
      consumer = null;
    }
    onClose.accept(this);
  }
}
