package dev.threadline.functions.drain;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.sse.Event;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import sun.misc.Signal;

/**
 * Scale-in without stranding a client: on SIGTERM (the context's shutdown, before the HTTP server
 * stops listening) readiness turns 503 at once, so the load balancer stops sending new clients, and
 * every open stream ends with a {@code retry:} hint, so each client (a browser's EventSource by
 * itself) attaches again at once, to another instance, with Last-Event-ID. The server then keeps
 * answering for {@code threadline.shutdown.lame-duck} ({@code THREADLINE_SHUTDOWN_LAME_DUCK},
 * default 1 s: readiness probes see the 503, a stream opened meanwhile ends at once the same way)
 * and stops. A stream never delays the exit.
 */
@Singleton
public class StreamDrain implements ApplicationEventListener<ShutdownEvent>, Ordered {

  private static final Logger LOG = LoggerFactory.getLogger(StreamDrain.class);

  /** How soon a client should come back: another instance serves it. */
  static final Duration RECONNECT_AFTER = Duration.ofMillis(250);

  private final AtomicBoolean draining = new AtomicBoolean();
  private final Duration lameDuck;
  // an empty sink replays its completion to late subscribers: a stream opened while draining
  // ends at once too
  private final Sinks.Empty<Void> drained = Sinks.empty();

  StreamDrain(@Value("${threadline.shutdown.lame-duck:1s}") Duration lameDuck) {
    if (lameDuck.isNegative() || lameDuck.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException(
          "THREADLINE_SHUTDOWN_LAME_DUCK must be from 0s to 30s, was " + lameDuck);
    }
    this.lameDuck = lameDuck;
  }

  /** True from the shutdown on: readiness answers 503. */
  public boolean draining() {
    return draining.get();
  }

  /**
   * {@code events} until the instance drains; then a last comment carrying the {@code retry:} hint
   * and the end of the response.
   */
  public <T> Flux<Event<T>> untilDrained(Flux<Event<T>> events, T emptyData) {
    return events
        .takeUntilOther(drained.asMono())
        .concatWith(
            Mono.defer(
                () ->
                    draining()
                        ? Mono.just(
                            Event.of(emptyData)
                                .comment("this instance stops: reconnect")
                                .retry(RECONNECT_AFTER))
                        : Mono.empty()));
  }

  /** Takes SIGTERM: drain, answer 503 for the lame-duck period, then exit as the signal would. */
  @EventListener
  void onStartup(StartupEvent event) {
    try {
      Signal.handle(
          new Signal("TERM"),
          signal ->
              Thread.ofPlatform()
                  .name("drain-on-sigterm")
                  .start(
                      () -> {
                        drain();
                        LockSupport.parkNanos(lameDuck.toNanos());
                        System.exit(128 + signal.getNumber()); // runs the shutdown hooks
                      }));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // -Xrs, or a platform without the signal: streams then end when the server stops
      LOG.warn("cannot take SIGTERM ({}); open streams end when the server stops", e.getMessage());
    }
  }

  @Override
  public void onApplicationEvent(ShutdownEvent event) {
    drain();
  }

  /** Readiness 503 from now on; every open stream is told to reconnect elsewhere and ends. */
  public void drain() {
    if (draining.compareAndSet(false, true)) {
      LOG.info(
          "shutting down: readiness 503, open streams told to reconnect elsewhere; stopping in {}",
          lameDuck);
      drained.tryEmitEmpty();
    }
  }

  @Override
  public int getOrder() {
    return HIGHEST_PRECEDENCE;
  }
}
