package dev.threadline.functions.stream;

import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Turns an attach plan into the SSE response: a first comment at once, then the followed run's
 * events ({@code id} = stream sequence), {@code : ping} while silent. Silence never ends it (lesson
 * 12); the followed run's terminal event does, unless following across runs. The JetStream consumer
 * lives exactly as long as the response.
 */
@Singleton
public class ReplyStreamer {

  private static final Logger LOG = LoggerFactory.getLogger(ReplyStreamer.class);
  private static final Event<String> END = Event.of("");

  private final ReplyTail tail;
  private final ReplyEventCodec codec;
  private final StreamConfiguration configuration;

  public ReplyStreamer(ReplyTail tail, ReplyEventCodec codec, StreamConfiguration configuration) {
    this.tail = tail;
    this.codec = codec;
    this.configuration = configuration;
  }

  public Flux<Event<String>> stream(ThreadId threadId, AttachPlan plan, boolean followAcrossRuns) {
    Flux<Event<String>> events =
        Flux.<Event<String>>create(sink -> attach(sink, threadId, plan, followAcrossRuns))
            // creating the consumer is a request to the broker: not on an event-loop thread
            .subscribeOn(Schedulers.boundedElastic());
    Flux<Event<String>> pings =
        Flux.interval(configuration.pingInterval(), configuration.pingInterval())
            .map(tick -> comment("ping"));
    Flux<Event<String>> body =
        Flux.merge(events.concatWith(Mono.just(END)), pings).takeWhile(event -> event != END);
    return Flux.concat(Mono.just(comment("attached")), body);
  }

  private void attach(
      FluxSink<Event<String>> sink, ThreadId threadId, AttachPlan plan, boolean followAcrossRuns) {
    ReplyFollower follower = new ReplyFollower(plan, followAcrossRuns);
    ReplyTail.Subscription subscription;
    try {
      subscription =
          tail.tail(
              threadId,
              plan.startSequence(),
              tailed -> {
                ReplyFollower.Verdict verdict = follower.offer(tailed.sequence(), tailed.event());
                if (verdict == ReplyFollower.Verdict.SKIP) {
                  return;
                }
                sink.next(toSse(tailed));
                if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
                  sink.complete();
                }
              });
    } catch (RuntimeException e) {
      LOG.warn("attaching to the reply subject of thread {} failed: {}", threadId, e.getMessage());
      sink.error(e);
      return;
    }
    // closing deletes the server-side consumer: a request/reply, kept off event-loop threads
    sink.onDispose(() -> Schedulers.boundedElastic().schedule(subscription::close));
  }

  private Event<String> toSse(TailedEvent tailed) {
    return Event.of(codec.encodeToString(tailed.event()))
        .id(Long.toString(tailed.sequence()))
        .name(tailed.event().type());
  }

  private static Event<String> comment(String text) {
    return Event.of("").comment(text);
  }
}
