package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Sinks;

/**
 * The slow-client bound on its own: memory stops growing at the bound and overflow is signalled.
 */
class ReplyStreamerBoundTest {

  @Test
  void pastTheBoundNothingMoreIsHeldAndOverflowIsSignalledOnce() {
    Sinks.Many<Integer> source = Sinks.many().unicast().onBackpressureBuffer();
    AtomicInteger overflows = new AtomicInteger();
    List<Integer> received = new ArrayList<>();
    BaseSubscriber<Integer> slow =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(Subscription subscription) {
            // reads nothing yet
          }

          @Override
          protected void hookOnNext(Integer value) {
            received.add(value);
          }
        };
    ReplyStreamer.bounded(source.asFlux(), 4, overflows::incrementAndGet).subscribe(slow);

    for (int i = 0; i < 10; i++) {
      source.tryEmitNext(i);
    }
    assertThat(overflows).as("called per dropped element").hasValue(6);

    slow.request(100);
    assertThat(received).as("only the bound was held, in order").containsExactly(0, 1, 2, 3);
  }
}
