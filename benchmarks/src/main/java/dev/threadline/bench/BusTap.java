package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.nio.charset.StandardCharsets;
import org.HdrHistogram.Histogram;

/**
 * What reaches the bus: an ordered JetStream consumer on one thread's subject in the benchmark,
 * timing each stamped chunk from the mock's emit to its arrival here. That is the relay's and
 * JetStream's share of a stream row; the rest, up to the SSE client, is the functions instance's.
 */
final class BusTap implements AutoCloseable {

  private final Connection nats;
  private final Histogram latency = Row.histogram();

  private BusTap(Connection nats) {
    this.nats = nats;
  }

  static BusTap on(BenchStack stack, String thread) throws Exception {
    Connection nats = Nats.connect(stack.natsUrl());
    BusTap tap = new BusTap(nats);
    Dispatcher dispatcher = nats.createDispatcher();
    JetStreamSubscription subscription =
        nats.jetStream()
            .subscribe(
                stack.subjectPrefix() + "." + thread,
                dispatcher,
                message -> tap.record(message.getData()),
                true,
                PushSubscribeOptions.builder()
                    .ordered(true)
                    .configuration(
                        ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.New).build())
                    .build());
    return tap;
  }

  private void record(byte[] data) {
    long now = SseAttacher.epochMicros();
    String text = new String(data, StandardCharsets.ISO_8859_1);
    for (int at = text.indexOf('@');
        at >= 0 && at + 17 <= text.length();
        at = text.indexOf('@', at + 1)) {
      try {
        long stamp = Long.parseLong(text, at + 1, at + 17, 10);
        synchronized (latency) {
          latency.recordValue(Math.max(0, now - stamp));
        }
      } catch (NumberFormatException notAStamp) {
        // an @ in other text
      }
    }
  }

  Histogram latency() {
    synchronized (latency) {
      return latency.copy();
    }
  }

  void reset() {
    synchronized (latency) {
      latency.reset();
    }
  }

  @Override
  public void close() throws InterruptedException {
    nats.close();
  }
}
