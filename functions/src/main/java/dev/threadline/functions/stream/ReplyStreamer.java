package dev.threadline.functions.stream;

import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Turns an attach plan into the SSE response: a first comment at once, then the followed run's
 * events ({@code id} = stream sequence), {@code : ping} while silent. Silence never ends it (lesson
 * 12); the followed run's terminal event does, unless following across runs, and so does the run's
 * row when that event never reaches the bus and the subject holds nothing more for the client
 * ({@link ReplySession}, which also resumes a tail left behind by a broker restart). A client that
 * does not read is cut off once {@code max-buffered-events} wait for it. The JetStream consumer
 * lives exactly as long as the response.
 */
@Singleton
public class ReplyStreamer {

  private static final Logger LOG = LoggerFactory.getLogger(ReplyStreamer.class);
  private static final Event<String> END = Event.of("");

  private final ReplyTail tail;
  private final ThreadStore store;
  private final ReplyEventCodec codec;
  private final StreamConfiguration configuration;

  public ReplyStreamer(
      ReplyTail tail, ThreadStore store, ReplyEventCodec codec, StreamConfiguration configuration) {
    this.tail = tail;
    this.store = store;
    this.codec = codec;
    this.configuration = configuration;
  }

  public Flux<Event<String>> stream(ThreadId threadId, AttachPlan plan, boolean followAcrossRuns) {
    Sinks.One<Boolean> overflow = Sinks.one();
    Flux<Event<String>> events =
        bounded(
            Flux.<Event<String>>create(sink -> attach(sink, threadId, plan, followAcrossRuns))
                // creating the consumer is a request to the broker: not on an event-loop thread
                .subscribeOn(Schedulers.boundedElastic()),
            configuration.maxBufferedEvents(),
            () -> {
              if (overflow.tryEmitValue(true).isSuccess()) {
                LOG.warn(
                    "thread {}: client does not keep up ({} events waiting); ending its stream,"
                        + " it resumes with Last-Event-ID",
                    threadId,
                    configuration.maxBufferedEvents());
              }
            });
    Flux<Event<String>> pings =
        Flux.interval(configuration.pingInterval(), configuration.pingInterval())
            // a ping nobody has read yet needs no company
            .onBackpressureDrop()
            .map(tick -> comment("ping"));
    Flux<Event<String>> body =
        Flux.merge(events.concatWith(Mono.just(END)), pings).takeWhile(event -> event != END);
    return Flux.concat(Mono.just(comment("attached")), body).takeUntilOther(overflow.asMono());
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
      FluxSink<Event<String>> sink, ThreadId threadId, AttachPlan plan, boolean followAcrossRuns) {
    ReplySession session =
        new ReplySession(
            threadId,
            store,
            tail,
            new ReplyFollower(plan, followAcrossRuns),
            sink,
            this::toSse,
            this::toStoredSse,
            configuration,
            System::nanoTime);
    ReplyTail.Subscription subscription;
    try {
      subscription = tail.tail(threadId, plan.startSequence(), session::onTailed);
    } catch (RuntimeException e) {
      LOG.warn("attaching to the reply subject of thread {} failed: {}", threadId, e.getMessage());
      sink.error(e);
      return;
    }
    session.reading(subscription);
    long every = configuration.runCheckInterval().toMillis();
    Disposable checks =
        Schedulers.boundedElastic()
            .schedulePeriodically(
                () -> {
                  try {
                    session.check();
                  } catch (RuntimeException e) {
                    // a periodic task that throws is never run again: log and carry on
                    LOG.warn(
                        "thread {}: checking the tail and the followed run failed", threadId, e);
                  }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    sink.onDispose(
        () -> {
          checks.dispose();
          // closing deletes the server-side consumer: a request/reply, kept off event-loop threads
          Schedulers.boundedElastic().schedule(subscription::close);
        });
  }

  private Event<String> toSse(TailedEvent tailed) {
    return Event.of(codec.encodeToString(tailed.event()))
        .id(Long.toString(tailed.sequence()))
        .name(tailed.event().type());
  }

  /** Synthesised from the run's row: not a stream event, so no {@code id}. */
  private Event<String> toStoredSse(ReplyEvent event) {
    return Event.of(codec.encodeToString(event)).name(event.type());
  }

  private static Event<String> comment(String text) {
    return Event.of("").comment(text);
  }
}
