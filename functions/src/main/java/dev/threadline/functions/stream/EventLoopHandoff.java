package dev.threadline.functions.stream;

import io.micronaut.http.sse.Event;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * Hands a tail's events to each client on the event loop of the client's own connection, in
 * batches: a tail that sends one event to a thousand clients queues it per client (cheap, on its
 * worker) and wakes each event loop once, and each loop then pushes the event through its clients'
 * responses itself, so the response writes happen where the socket lives, without a task per client
 * and spread over every loop instead of done one after the other on the tail's worker.
 */
@Singleton
public class EventLoopHandoff {

  private static final Logger LOG = LoggerFactory.getLogger(EventLoopHandoff.class);

  private final Map<Executor, Loop> loops = new ConcurrentHashMap<>();

  /**
   * A sink that delivers to {@code sink} on {@code loop}, in order; {@code loop} null: at once, on
   * the caller's thread.
   */
  public ClientSink sink(FluxSink<Event<String>> sink, Executor loop) {
    if (loop == null) {
      return new ClientSink() {
        @Override
        public void next(Event<String> event) {
          sink.next(event);
        }

        @Override
        public void complete() {
          sink.complete();
        }
      };
    }
    return new Client(sink, loops.computeIfAbsent(loop, Loop::new));
  }

  /** One event loop's clients with something queued, drained by one task at a time. */
  private static final class Loop {
    private final Executor executor;
    private final Queue<Client> ready = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Loop(Executor executor) {
      this.executor = executor;
    }

    void ready(Client client) {
      ready.add(client);
      if (scheduled.compareAndSet(false, true)) {
        try {
          executor.execute(this::drain);
        } catch (RuntimeException e) {
          // the loop is shutting down: its connections close with it
          scheduled.set(false);
          LOG.debug("event loop refused a stream's events: {}", e.toString());
        }
      }
    }

    private void drain() {
      scheduled.set(false);
      Client client;
      while ((client = ready.poll()) != null) {
        client.drain();
      }
    }
  }

  /** One client's queue; an element null means complete. */
  private static final class Client implements ClientSink {
    private static final Event<String> COMPLETE = Event.of("");

    private final FluxSink<Event<String>> sink;
    private final Loop loop;
    private final Queue<Event<String>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean pending = new AtomicBoolean();

    Client(FluxSink<Event<String>> sink, Loop loop) {
      this.sink = sink;
      this.loop = loop;
    }

    @Override
    public void next(Event<String> event) {
      offer(event);
    }

    @Override
    public void complete() {
      offer(COMPLETE);
    }

    private void offer(Event<String> event) {
      queue.add(event);
      if (pending.compareAndSet(false, true)) {
        loop.ready(this);
      }
    }

    /** On the loop. */
    void drain() {
      pending.set(false);
      Event<String> event;
      while ((event = queue.poll()) != null) {
        if (event == COMPLETE) {
          sink.complete();
        } else {
          sink.next(event);
        }
      }
    }
  }
}
