package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * N idle {@code ?follow=true} streams on N threads of one functions instance: heap and RSS per
 * stream, live threads, idle CPU and JetStream consumers on the server.
 */
final class IdleFollowStreams {

  private final BenchStack stack;
  private final Api api;
  private final BenchStack.Service functions;

  IdleFollowStreams(BenchStack stack, Api api, BenchStack.Service functions) {
    this.stack = stack;
    this.api = api;
    this.functions = functions;
  }

  record Result(
      int streams,
      long heapPerStream,
      long rssPerStream,
      long threadsBefore,
      long threadsAfter,
      double idleCpuPercent,
      long consumers) {
    String text() {
      return String.format(
          Locale.ROOT,
          "%,d streams: heap %.1f KiB/stream, RSS %.1f KiB/stream, live threads %d → %d,"
              + " idle CPU %.1f %% of one core, JetStream consumers %d",
          streams,
          heapPerStream / 1024.0,
          rssPerStream / 1024.0,
          threadsBefore,
          threadsAfter,
          idleCpuPercent,
          consumers);
    }
  }

  Result measure(int streams, Duration idleWindow) throws Exception {
    InstanceProbe probe = new InstanceProbe(api, functions);
    List<String> threads = createThreads(streams);
    InstanceProbe.Sample before = probe.sample();
    List<SseAttacher> attached = new ArrayList<>();
    try {
      Semaphore attaching = new Semaphore(200);
      for (String thread : threads) {
        attaching.acquire();
        SseAttacher attacher =
            SseAttacher.attach(api, functions.baseUrl(), thread, true, (type, data, at) -> {});
        attacher.attached().whenComplete((ok, failure) -> attaching.release());
        attached.add(attacher);
      }
      CompletableFuture.allOf(
              attached.stream().map(SseAttacher::attached).toArray(CompletableFuture[]::new))
          .get(10, TimeUnit.MINUTES);
      Pause.millis(15_000); // let the attach burst settle: its garbage, pools and JIT compiles
      InstanceProbe.Sample after = probe.sample();
      double cpuBefore = probe.cpuSeconds();
      Pause.millis(idleWindow.toMillis());
      double cpu = probe.cpuSeconds() - cpuBefore;
      long consumers;
      try (Connection nats = Nats.connect(stack.natsUrl())) {
        consumers = nats.jetStreamManagement().getConsumerNames(stack.stream()).size();
      }
      return new Result(
          streams,
          (after.heapBytes() - before.heapBytes()) / streams,
          (after.rssBytes() - before.rssBytes()) / streams,
          before.liveThreads(),
          after.liveThreads(),
          100 * cpu / (idleWindow.toMillis() / 1000.0),
          consumers);
    } finally {
      ChunkLatency.detach(attached);
    }
  }

  private List<String> createThreads(int count) throws Exception {
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      threads.add(api.createThread(functions.baseUrl(), "idle"));
    }
    return threads;
  }
}
