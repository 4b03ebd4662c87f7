package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import org.HdrHistogram.Histogram;

/**
 * What reaches the bus: a core NATS subscription in the benchmark on the threads' subjects, timing
 * each stamped chunk from the mock's emit to its arrival here. That is the relay's and JetStream's
 * share of a stream row; the rest, up to the SSE client, is the functions instance's.
 */
final class BusTap implements AutoCloseable {

  private final Connection nats;
  private final Histogram latency = Row.histogram();

  private BusTap(Connection nats) {
    this.nats = nats;
  }

  /**
   * Listens on {@code subject} (a thread's subject, or {@code <prefix>.>} for every thread) with a
   * core NATS subscription: a publish into the reply stream reaches it as it reaches the stream,
   * and it holds no JetStream consumer (the rows count those).
   */
  static BusTap on(BenchStack stack, String subject) throws Exception {
    Connection nats = Nats.connect(stack.natsUrl());
    BusTap tap = new BusTap(nats);
    Dispatcher dispatcher = nats.createDispatcher(message -> tap.record(message.getData()));
    dispatcher.subscribe(subject);
    nats.flush(java.time.Duration.ofSeconds(5));
    return tap;
  }

  /**
   * Reads {@code subject} with an ordered JetStream consumer from new messages on: what a tail is
   * handed, after the stream stored it. It is one consumer on the server: a row counting them
   * leaves it out.
   */
  static BusTap consumer(BenchStack stack, String subject) throws Exception {
    Connection nats = Nats.connect(stack.natsUrl());
    BusTap tap = new BusTap(nats);
    Dispatcher dispatcher = nats.createDispatcher();
    nats.jetStream()
        .subscribe(
            subject,
            dispatcher,
            message -> tap.record(message.getData()),
            true,
            io.nats.client.PushSubscribeOptions.builder()
                .ordered(true)
                .configuration(
                    io.nats.client.api.ConsumerConfiguration.builder()
                        .deliverPolicy(io.nats.client.api.DeliverPolicy.New)
                        .build())
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
