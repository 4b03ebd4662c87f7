package dev.threadline.functions.tail;

import dev.threadline.protocol.ThreadId;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread tail's hold on the bus: a JetStream consumer (with the periodic check while it is open)
 * or, while every client waits for a next run, a core-NATS watch; never both. Called on the tail's
 * worker only; what the bus delivers goes back through that worker.
 */
final class TailBus {

  private static final Logger LOG = LoggerFactory.getLogger(TailBus.class);
  private static final long MAX_RETRY_DELAY_MILLIS = 2000;

  /** The tail this bus reads for, called on its worker. */
  interface Reader {
    /** The sequence of the last event the tail handled. */
    long position();

    void onEvent(TailedEvent tailed);

    /** Every run-check interval while a consumer is open. */
    void check();
  }

  private final ThreadId threadId;
  private final ReplyTail bus;
  private final Executor worker;
  private final ScheduledExecutorService timers;
  private final long checkEveryMillis;
  private final Reader reader;
  private ReplyTail.Subscription subscription;
  private ReplyTail.Watch watch;
  private ScheduledFuture<?> checks;
  private ScheduledFuture<?> retry;
  private long retryDelayMillis;
  private boolean closed;

  TailBus(
      ThreadId threadId,
      ReplyTail bus,
      Executor worker,
      ScheduledExecutorService timers,
      long checkEveryMillis,
      Reader reader) {
    this.threadId = threadId;
    this.bus = bus;
    this.worker = worker;
    this.timers = timers;
    this.checkEveryMillis = checkEveryMillis;
    this.reader = reader;
  }

  boolean tailing() {
    return subscription != null;
  }

  boolean watching() {
    return watch != null;
  }

  /** Opens the JetStream consumer at {@code start}, in place of a watch. */
  void tail(long start) {
    closeWatch();
    try {
      subscription =
          bus.tail(threadId, start, tailed -> worker.execute(() -> reader.onEvent(tailed)));
    } catch (RuntimeException e) {
      // the broker is away or the stream has no leader yet (a node died, an election runs): the
      // clients keep their open streams (pings go on) and the tail is tried again, never given up
      retryDelayMillis = Math.min(MAX_RETRY_DELAY_MILLIS, Math.max(100, retryDelayMillis * 2));
      LOG.warn(
          "thread {}: tailing from {} failed, trying again in {} ms: {}",
          threadId,
          start,
          retryDelayMillis,
          e.getMessage());
      if (!closed && retry == null) {
        retry =
            timers.schedule(
                () -> worker.execute(this::retryTail), retryDelayMillis, TimeUnit.MILLISECONDS);
      }
      return;
    }
    retryDelayMillis = 0;
    if (checks == null) {
      checks =
          timers.scheduleWithFixedDelay(
              () -> worker.execute(reader::check),
              checkEveryMillis,
              checkEveryMillis,
              TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Gives back the consumer for a watch that signals the next run. False when the watch could not
   * start and the consumer is kept (the caller tries again later).
   */
  boolean rest() {
    ReplyTail.Watch watching;
    try {
      watching = bus.watch(threadId, () -> worker.execute(this::signalled));
    } catch (RuntimeException e) {
      if (subscription == null) {
        LOG.warn("thread {}: watching failed, tailing instead: {}", threadId, e.getMessage());
        tail(reader.position() + 1);
        return true;
      }
      LOG.info("thread {}: watching failed, keeping the tail: {}", threadId, e.getMessage());
      return false;
    }
    closeSubscription();
    watch = watching;
    tailIfTheSubjectMoved();
    return true;
  }

  /** A watch signals what is published after it began: what came before is read here. */
  void tailIfTheSubjectMoved() {
    try {
      if (bus.lastSequence(threadId) > reader.position()) {
        tail(reader.position() + 1);
      }
    } catch (RuntimeException e) {
      // the broker is away: its reconnect calls this again
      LOG.info(
          "thread {}: reading the subject's last sequence failed: {}", threadId, e.getMessage());
    }
  }

  /**
   * True when the subject holds nothing past what the tail handled. Otherwise either events wait to
   * be handled, or the consumer died or stalled (a broker restart): it is then resumed after its
   * last message. False as well when the broker does not answer (nothing may be synthesised).
   */
  boolean caughtUp() {
    long onBus;
    try {
      onBus = bus.lastSequence(threadId);
    } catch (RuntimeException e) {
      LOG.warn(
          "thread {}: reading the subject's last sequence failed: {}", threadId, e.getMessage());
      return false;
    }
    if (onBus <= reader.position() || subscription == null) {
      return onBus <= reader.position();
    }
    long read = subscription.position();
    if (onBus > read) {
      LOG.info(
          "thread {}: the subject holds events up to {} but the tail read up to {}; resuming it",
          threadId,
          onBus,
          read);
      try {
        subscription.resume();
      } catch (RuntimeException e) {
        LOG.warn(
            "thread {}: resuming the tail after {} failed: {}", threadId, read, e.getMessage());
      }
    }
    return false;
  }

  void close() {
    closed = true;
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    closeSubscription();
    closeWatch();
  }

  private void retryTail() {
    retry = null;
    if (!closed && subscription == null && watch == null) {
      tail(reader.position() + 1);
    }
  }

  private void signalled() {
    if (watch != null) {
      tail(reader.position() + 1);
    }
  }

  private void closeSubscription() {
    if (checks != null) {
      checks.cancel(false);
      checks = null;
    }
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
  }

  private void closeWatch() {
    if (watch != null) {
      watch.close();
      watch = null;
    }
  }
}
