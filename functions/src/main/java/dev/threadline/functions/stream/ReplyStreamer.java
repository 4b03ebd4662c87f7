package dev.threadline.functions.stream;

import dev.threadline.functions.bus.BusUnavailableException;
import dev.threadline.functions.drain.StreamDrain;
import dev.threadline.functions.problem.LogRedaction;
import dev.threadline.functions.tail.TailedEvent;
import dev.threadline.functions.tail.ThreadTails;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Turns an attach plan into the SSE response: a first comment at once, then the followed run's
 * events ({@code id} = stream sequence), {@code : ping} while silent. Silence never ends it (lesson
 * 12); the followed run's terminal event does, unless following across runs, and so does the run's
 * row when that event never reaches the bus ({@link ThreadTails}: one tail per thread on this
 * instance, whatever the number of its clients), the thread's deletion, and the expiry of the token
 * that opened it (the client re-authorises and resumes with Last-Event-ID). A client that does not
 * read is cut off once {@code max-buffered-events} wait for it. Writes never block: the tail hands
 * events to the client's buffer, Netty's event loop drains it.
 */
@Singleton
public class ReplyStreamer {

  private static final Logger LOG = LoggerFactory.getLogger(ReplyStreamer.class);
  private static final Event<String> END = Event.of("");
  private static final Duration PLAN_RETRY_MIN = Duration.ofMillis(100);
  private static final Duration PLAN_RETRY_MAX = Duration.ofSeconds(2);
  private static final Duration OPEN_WHILE_PLANNING_AFTER = Duration.ofMillis(250);

  private final ThreadTails tails;
  private final StreamDrain drain;
  private final ReplyEventCodec codec;
  private final StreamConfiguration configuration;
  private final Clock clock;
  private final AtomicReference<Encoded> lastEncoded = new AtomicReference<>();
  private final EventLoopHandoff handoff;

  public ReplyStreamer(
      ThreadTails tails,
      ReplyEventCodec codec,
      StreamConfiguration configuration,
      Clock clock,
      StreamDrain drain,
      EventLoopHandoff handoff) {
    this.tails = tails;
    this.handoff = handoff;
    this.drain = drain;
    this.codec = codec;
    this.configuration = configuration;
    this.clock = clock;
  }

  /**
   * @param endsAt when the token that opened the stream expires, the stream ends; null: never
   */
  public Flux<Event<String>> stream(
      ThreadId threadId, AttachPlan plan, boolean followAcrossRuns, Instant endsAt) {
    return stream(threadId, () -> plan, followAcrossRuns, endsAt, null);
  }

  /**
   * As above, with the plan made once the response is open: planning reads the subject's end from
   * JetStream, and while the bus cannot answer (a node died, a stream leader is being elected, a
   * reconnect) the client already holds an open stream with pings, and planning is tried again with
   * backoff instead of refusing the stream (a browser's EventSource never retries a 503).
   *
   * @param clientLoop the event loop of the client's connection: its events are handed to the
   *     response there ({@link EventLoopHandoff}); null: on the tail's worker
   */
  public Flux<Event<String>> stream(
      ThreadId threadId,
      Supplier<AttachPlan> planner,
      boolean followAcrossRuns,
      Instant endsAt,
      Executor clientLoop) {
    Sinks.One<Boolean> overflow = Sinks.one();
    Mono<AttachPlan> plan =
        Mono.fromSupplier(planner)
            // a request to the broker and a database read: not on an event-loop thread
            .subscribeOn(Schedulers.boundedElastic())
            .retryWhen(
                Retry.backoff(Long.MAX_VALUE, PLAN_RETRY_MIN)
                    .maxBackoff(PLAN_RETRY_MAX)
                    .filter(BusUnavailableException.class::isInstance)
                    .doBeforeRetry(
                        retry -> {
                          if (retry.totalRetries() == 0) {
                            LOG.info(
                                "thread {}: the bus cannot plan the stream yet ({}); the client"
                                    + " waits with pings",
                                threadId,
                                LogRedaction.describe(retry.failure()));
                          }
                        }))
            .cache();
    // ": attached" once planned: every event published after it reaches the client (a test, a
    // client, relies on it); while the bus cannot plan, only pings go out
    Flux<Event<String>> events =
        plan.flatMapMany(
            attachPlan ->
                Flux.concat(
                    Mono.just(comment("attached")),
                    bounded(
                        Flux.<Event<String>>create(
                            sink ->
                                attach(sink, threadId, attachPlan, followAcrossRuns, clientLoop)),
                        configuration.maxBufferedEvents(),
                        () -> {
                          if (overflow.tryEmitValue(true).isSuccess()) {
                            LOG.warn(
                                "thread {}: client does not keep up ({} events waiting); ending its"
                                    + " stream, it resumes with Last-Event-ID",
                                threadId,
                                configuration.maxBufferedEvents());
                          }
                        })));
    Flux<Event<String>> pings =
        Flux.interval(configuration.pingInterval(), configuration.pingInterval())
            // a ping nobody has read yet needs no company
            .onBackpressureDrop()
            .map(tick -> comment("ping"));
    // headers go out with the first line: when planning is slow (the bus is away), a comment
    // saying so opens the response (a browser's EventSource fires open) until ": attached"
    Flux<Event<String>> waiting =
        Mono.delay(OPEN_WHILE_PLANNING_AFTER)
            .map(tick -> comment("waiting for the bus"))
            .flux()
            .takeUntilOther(plan);
    Flux<Event<String>> body =
        Flux.merge(waiting, events.concatWith(Mono.just(END)), pings)
            .takeWhile(event -> event != END);
    Flux<Event<String>> response = drain.untilDrained(body.takeUntilOther(overflow.asMono()), "");
    if (endsAt == null) {
      return response;
    }
    Duration left = Duration.between(clock.instant(), endsAt);
    return response.takeUntilOther(Mono.delay(left.isNegative() ? Duration.ZERO : left));
  }

  /**
   * Holds at most {@code maxBuffered} elements that downstream has not requested yet; on one more
   * it drops it and calls {@code onOverflow}, whose signal must end the stream (nothing after a
   * dropped element may be delivered).
   */
  static <T> Flux<T> bounded(Flux<T> source, int maxBuffered, Runnable onOverflow) {
    return source.onBackpressureBuffer(
        maxBuffered, dropped -> onOverflow.run(), BufferOverflowStrategy.DROP_LATEST);
  }

  private void attach(
      FluxSink<Event<String>> sink,
      ThreadId threadId,
      AttachPlan plan,
      boolean followAcrossRuns,
      Executor clientLoop) {
    StreamSession session =
        new StreamSession(
            plan, followAcrossRuns, handoff.sink(sink, clientLoop), this::toSse, this::toStoredSse);
    sink.onDispose(
        () -> {
          session.leave();
          tails.detach(threadId, session);
        });
    try {
      tails.attach(threadId, session);
    } catch (RuntimeException e) {
      LOG.warn("attaching to the reply subject of thread {} failed: {}", threadId, e.getMessage());
      sink.error(e);
    }
  }

  /**
   * A tail hands the same event to all its clients one after the other: it is encoded once, for the
   * first of them, and the frame shared (nobody changes an event once made).
   */
  private Event<String> toSse(TailedEvent tailed) {
    Encoded last = lastEncoded.get();
    if (last != null && last.tailed() == tailed) {
      return last.event();
    }
    Event<String> event =
        Event.of(codec.encodeToString(tailed.event()))
            .id(Long.toString(tailed.sequence()))
            .name(tailed.event().type());
    lastEncoded.set(new Encoded(tailed, event));
    return event;
  }

  private record Encoded(TailedEvent tailed, Event<String> event) {}

  /** Synthesised from the run's row: not a stream event, so no {@code id}. */
  private Event<String> toStoredSse(ReplyEvent event) {
    return Event.of(codec.encodeToString(event)).name(event.type());
  }

  private static Event<String> comment(String text) {
    return Event.of("").comment(text);
  }
}
