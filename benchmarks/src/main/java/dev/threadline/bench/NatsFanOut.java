package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The floor of a stream row: the same fan-out with nothing of ours in it. Core NATS publishes to as
 * many subscriptions as the row has clients, at the row's pace, each delivery timed from the
 * publish (one process, {@code System.nanoTime}). Subscriptions are spread over a few connections
 * with one dispatcher each, as an instance spreads its clients over a few event loops.
 */
final class NatsFanOut {

  private static final int CONNECTIONS = 4;

  private NatsFanOut() {}

  /**
   * One subject, {@code subscribers} subscriptions; {@code messages} publishes {@code gapMillis}
   * apart. Microseconds per delivery.
   */
  static Histogram oneSubject(String natsUrl, int subscribers, int messages, long gapMillis)
      throws Exception {
    return run(natsUrl, 1, subscribers, messages, gapMillis);
  }

  /**
   * {@code subjects} subjects with one subscription each; every {@code gapMillis} one publish to
   * each, {@code messages} times: the shape of many threads streaming at once.
   */
  static Histogram manySubjects(String natsUrl, int subjects, int messages, long gapMillis)
      throws Exception {
    return run(natsUrl, subjects, 1, messages, gapMillis);
  }

  private static Histogram run(
      String natsUrl, int subjects, int perSubject, int messages, long gapMillis) throws Exception {
    String prefix = "bench-fan-out-" + System.nanoTime();
    Histogram latency = Row.histogram();
    long deliveries = (long) subjects * perSubject * messages;
    CountDownLatch received = new CountDownLatch((int) Math.min(Integer.MAX_VALUE, deliveries));
    List<Connection> connections = new ArrayList<>();
    try (Connection publisher = Nats.connect(natsUrl)) {
      int count = Math.min(CONNECTIONS, subjects * perSubject);
      List<Dispatcher> dispatchers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Connection connection = Nats.connect(natsUrl);
        connections.add(connection);
        dispatchers.add(connection.createDispatcher());
      }
      int n = 0;
      for (int subject = 0; subject < subjects; subject++) {
        for (int i = 0; i < perSubject; i++) {
          dispatchers
              .get(n++ % dispatchers.size())
              .subscribe(
                  prefix + "." + subject,
                  message -> {
                    long sent = ByteBuffer.wrap(message.getData()).getLong();
                    long micros = (System.nanoTime() - sent) / 1000;
                    synchronized (latency) {
                      latency.recordValue(Math.max(0, micros));
                    }
                    received.countDown();
                  });
        }
      }
      for (Connection connection : connections) {
        connection.flush(Duration.ofSeconds(10));
      }
      long start = System.nanoTime();
      for (int m = 0; m < messages; m++) {
        Pause.untilNanos(start + m * gapMillis * 1_000_000L);
        for (int subject = 0; subject < subjects; subject++) {
          publisher.publish(
              prefix + "." + subject, ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
        }
        publisher.flush(Duration.ofSeconds(5)); // one write per round, as a relay's publish
      }
      received.await(60, TimeUnit.SECONDS);
    } finally {
      for (Connection connection : connections) {
        connection.close();
      }
    }
    synchronized (latency) {
      return latency.copy();
    }
  }
}
