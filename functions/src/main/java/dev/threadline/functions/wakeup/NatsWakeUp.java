package dev.threadline.functions.wakeup;

import dev.threadline.functions.bus.NatsConnectionProvider;
import dev.threadline.functions.bus.RepliesConfiguration;
import dev.threadline.protocol.ThreadId;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import io.nats.client.Connection;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the relays after a submit committed, when {@code threadline.submit.wake-up} is {@code
 * nats}: one core NATS publish on the wake-up subject, payload the thread id, once the submit's
 * transaction committed (a rolled-back submit wakes nobody). It never fails or delays a submit: the
 * run is already committed; while the connection is up the publish only queues the message for the
 * client's writer thread, and otherwise it goes to one background thread (connecting to NATS can
 * block for seconds while it is down). Whatever is lost, a relay's poll finds.
 */
@Singleton
@Requires(
    property = WakeUpConfiguration.PROPERTY,
    pattern = "(?i)\\s*nats\\s*",
    defaultValue = "nats")
public class NatsWakeUp implements RunWakeUp {

  private static final Logger LOG = LoggerFactory.getLogger(NatsWakeUp.class);
  private static final long WARN_EVERY_NANOS = 60_000_000_000L;

  /** Wake-ups waiting while NATS is slow; more are dropped (each costs at most one poll). */
  private static final int BACKLOG = 1024;

  private final NatsConnectionProvider nats;
  private final TransactionOperations<java.sql.Connection> transactions;
  private final String subject;
  private final ThreadPoolExecutor publisher;
  private volatile Connection connected; // set once the provider connected, off the request path
  private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

  public NatsWakeUp(
      NatsConnectionProvider nats,
      RepliesConfiguration replies,
      TransactionOperations<java.sql.Connection> transactions) {
    this.nats = nats;
    this.transactions = transactions;
    this.subject = replies.names().wakeUpSubject();
    this.publisher =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(BACKLOG),
            runnable -> {
              Thread thread = new Thread(runnable, "run-wake-up");
              thread.setDaemon(true);
              return thread;
            },
            new ThreadPoolExecutor.AbortPolicy());
  }

  /** Connects at start-up, off the request path, so the first submit does not wait for it. */
  @EventListener
  void onStartup(StartupEvent event) {
    execute(() -> connected = nats.connection());
  }

  /** Publishes once the current transaction committed (at once outside one); returns at once. */
  @Override
  public void runQueued(ThreadId threadId) {
    transactions
        .findTransactionStatus()
        .ifPresentOrElse(
            status ->
                status.registerSynchronization(
                    new TransactionSynchronization() {
                      @Override
                      public void afterCommit() {
                        publish(threadId);
                      }
                    }),
            () -> publish(threadId));
  }

  private void publish(ThreadId threadId) {
    byte[] payload = threadId.value().getBytes(StandardCharsets.UTF_8);
    Connection connection = connected;
    if (connection != null && connection.getStatus() == Connection.Status.CONNECTED) {
      try {
        connection.publish(subject, payload); // queued for the writer thread: no network wait
        return;
      } catch (RuntimeException e) {
        // closed meanwhile: the background path reconnects
      }
    }
    execute(
        () -> {
          connected = nats.connection();
          connected.publish(subject, payload);
        });
  }

  private void execute(Runnable publish) {
    try {
      publisher.execute(
          () -> {
            try {
              publish.run();
            } catch (RuntimeException e) {
              warn(e.toString());
            }
          });
    } catch (RejectedExecutionException e) {
      warn(BACKLOG + " wake-ups waiting: dropping");
    }
  }

  /** NATS down, or the reconnect buffer full: runs are found by polling; said once a minute. */
  private void warn(String why) {
    long now = System.nanoTime();
    long last = lastWarnNanos.get();
    if (now - last >= WARN_EVERY_NANOS && lastWarnNanos.compareAndSet(last, now)) {
      LOG.warn("could not wake relays over NATS, they will find runs by polling: {}", why);
    }
  }

  @PreDestroy
  void close() {
    publisher.shutdownNow();
  }
}
