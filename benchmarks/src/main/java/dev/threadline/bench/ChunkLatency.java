package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Mock emits a chunk to an SSE client receiving it. The pacing mock's {@code stamp=1} writes the
 * wall-clock microsecond of each emit into the chunk's text; every attacher subtracts it from its
 * own receive time (one machine, one clock).
 */
final class ChunkLatency {

  private static final Pattern STAMP = Pattern.compile("@(\\d{16})");

  private final Api api;
  private final String functionsUrl;

  ChunkLatency(Api api, String functionsUrl) {
    this.api = api;
    this.functionsUrl = functionsUrl;
  }

  /** What a round with N attachers measured. */
  record Round(int attachers, Histogram latency, int runsDone) {}

  /**
   * Attaches {@code attachers} clients ({@code ?follow=true}) to one thread, runs {@code runs}
   * replies of {@code chunks} chunks through it, and leaves the clients attached (idle) for the
   * caller, who closes them with {@link #detach}.
   */
  Round measure(int attachers, int runs, int chunks, int delayMs, List<SseAttacher> keep)
      throws Exception {
    String thread = api.createThread(functionsUrl, "chunks" + attachers);
    Histogram latency = Row.histogram();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < attachers; i++) {
      keep.add(
          SseAttacher.attach(
              api,
              functionsUrl,
              thread,
              true,
              (type, data, received) -> {
                if (type.equals("chunk")) {
                  Matcher stamp = STAMP.matcher(data);
                  while (stamp.find()) {
                    long micros = received - Long.parseLong(stamp.group(1));
                    synchronized (latency) {
                      latency.recordValue(Math.max(0, micros));
                    }
                  }
                } else if (type.equals("done")) {
                  done.incrementAndGet();
                }
              }));
    }
    CompletableFuture.allOf(
            keep.stream().map(SseAttacher::attached).toArray(CompletableFuture[]::new))
        .get(120, TimeUnit.SECONDS);
    for (int run = 0; run < runs; run++) {
      int expected = attachers * (run + 1);
      api.submit(
          functionsUrl,
          thread,
          "[stamp=1 chunks=" + chunks + " delay=" + delayMs + "ms] round " + run);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (done.get() < expected && System.nanoTime() < deadline) {
        Pause.millis(20);
      }
    }
    return new Round(attachers, latency, done.get() / Math.max(1, attachers));
  }

  static void detach(List<SseAttacher> attachers) {
    attachers.forEach(SseAttacher::close);
    attachers.clear();
  }

  /** Heap in use (bytes) of a functions instance, from /prometheus on its management port. */
  static long heapUsedBytes(Api api, String metricsBaseUrl) {
    HttpResponse<String> response =
        api.send(api.authorized(metricsBaseUrl + "/prometheus").GET().build());
    return (long) PrometheusText.sum(response.body(), "jvm_memory_used_bytes", "area=\"heap\"");
  }

  /**
   * The floor: a core NATS publish to a subscriber on the same server, {@code count} messages at
   * {@code perSecond}; microseconds.
   */
  static Histogram natsFloor(String natsUrl, int count, double perSecond) throws Exception {
    Histogram latency = Row.histogram();
    CountDownLatch received = new CountDownLatch(count);
    try (Connection publisher = Nats.connect(natsUrl);
        Connection subscriber = Nats.connect(natsUrl)) {
      Dispatcher dispatcher =
          subscriber.createDispatcher(
              message -> {
                long sent = ByteBuffer.wrap(message.getData()).getLong();
                synchronized (latency) {
                  latency.recordValue(Math.max(0, (System.nanoTime() - sent) / 1000));
                }
                received.countDown();
              });
      dispatcher.subscribe("bench-floor.chunks");
      subscriber.flush(Duration.ofSeconds(2));
      long period = (long) (1e9 / perSecond);
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        Pause.untilNanos(start + i * period);
        publisher.publish(
            "bench-floor.chunks", ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
        publisher.flush(
            Duration.ofSeconds(1)); // one message, one write: as a relay publishes a chunk
      }
      received.await(30, TimeUnit.SECONDS);
    }
    return latency;
  }
}
