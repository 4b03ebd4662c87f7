package dev.threadline.relay.claim;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.bus.NatsConnection;
import io.nats.client.Dispatcher;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the claim loop when functions publish on the wake-up subject after a submit commits ({@code
 * threadline.submit.wake-up: nats}). A core NATS message carries no guarantee: one lost while the
 * connection is down costs at most one poll, as a lost NOTIFY does. The subscription lives on the
 * process's one connection, which re-subscribes by itself after a reconnect.
 */
@Singleton
public class NatsWakeUpListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NatsWakeUpListener.class);

  private final NatsConnection nats;
  private final String subject;
  private Dispatcher dispatcher;

  public NatsWakeUpListener(NatsConnection nats, ReplyStreamNames names) {
    this.nats = nats;
    this.subject = names.wakeUpSubject();
  }

  public synchronized void start(Runnable onRunQueued) {
    if (dispatcher != null) {
      return;
    }
    dispatcher = nats.connection().createDispatcher(message -> onRunQueued.run());
    dispatcher.subscribe(subject);
    LOG.info("listening for wake-ups on NATS subject {}", subject);
  }

  @Override
  public synchronized void close() {
    if (dispatcher != null) {
      try {
        nats.connection().closeDispatcher(dispatcher);
      } catch (IllegalStateException e) {
        // the connection is already closed: so is the subscription
      }
      dispatcher = null;
    }
  }
}
