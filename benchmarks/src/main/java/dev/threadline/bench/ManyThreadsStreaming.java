package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Nats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * T threads streaming at once, one client each, on one functions instance: chunk latency (mock
 * stamp to client) and the most JetStream consumers seen on the server meanwhile.
 */
final class ManyThreadsStreaming {

  private static final Pattern STAMP = Pattern.compile("@(\\d{16})");

  private final BenchStack stack;
  private final Api api;
  private final BenchStack.Service functions;

  ManyThreadsStreaming(BenchStack stack, Api api, BenchStack.Service functions) {
    this.stack = stack;
    this.api = api;
    this.functions = functions;
  }

  record Result(int threads, Histogram latency, int repliesDone, int mostConsumers) {}

  Result measure(int threads, int chunks, int delayMs) throws Exception {
    Histogram latency = Row.histogram();
    AtomicInteger done = new AtomicInteger();
    List<String> ids = new ArrayList<>();
    List<SseAttacher> attached = new ArrayList<>();
    try {
      for (int i = 0; i < threads; i++) {
        String thread = api.createThread(functions.baseUrl(), "many");
        ids.add(thread);
        attached.add(
            SseAttacher.attach(
                api,
                functions.baseUrl(),
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
              attached.stream().map(SseAttacher::attached).toArray(CompletableFuture[]::new))
          .get(5, TimeUnit.MINUTES);
      List<CompletableFuture<?>> submits = new ArrayList<>();
      for (String thread : ids) {
        submits.add(
            api.sendAsync(
                api.submitRequest(
                    functions.baseUrl(),
                    thread,
                    "[stamp=1 chunks=" + chunks + " delay=" + delayMs + "ms] many")));
      }
      CompletableFuture.allOf(submits.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
      int most = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      try (Connection nats = Nats.connect(stack.natsUrl())) {
        while (done.get() < threads && System.nanoTime() < deadline) {
          most = Math.max(most, nats.jetStreamManagement().getConsumerNames(stack.stream()).size());
          Pause.millis(200);
        }
      }
      return new Result(threads, latency, done.get(), most);
    } finally {
      ChunkLatency.detach(attached);
    }
  }
}
