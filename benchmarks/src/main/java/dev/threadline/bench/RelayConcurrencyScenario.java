package dev.threadline.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * One relay alone working many slow replies at once (virtual threads): first 20, the baseline for
 * chunk latency, then {@code concurrentRuns}, all submitted in one burst.
 */
final class RelayConcurrencyScenario implements Scenario {

  @Override
  public String name() {
    return "relay-concurrency";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Settings settings = bench.settings();
    BenchStack stack = bench.stack();
    Report report = bench.report();
    Api api = bench.api();
    String mockUrl = bench.mockUrl();
    int chunks = settings.concurrentReplyChunks();
    int delayMs = settings.concurrentReplyDelayMs();
    String reply = String.format(Locale.ROOT, "%.0f s", chunks * delayMs / 1000.0);
    try (BenchStack.Service functions = stack.functions("nats", 8);
        BenchStack.Service relay =
            stack.relay("bench-relay-concurrent", mockUrl, true, Duration.ofMillis(500))) {
      RelayConcurrency concurrency = new RelayConcurrency(stack, api, functions.baseUrl());
      Bench.say("relay concurrency: 20 replies of " + reply + " at once (baseline), one relay");
      RelayConcurrency.Result few = concurrency.measure(relay.baseUrl(), 20, chunks, delayMs, 20);
      Bench.say(
          "relay concurrency: "
              + settings.concurrentRuns()
              + " replies of "
              + reply
              + " at once, one relay");
      RelayConcurrency.Result many =
          concurrency.measure(relay.baseUrl(), settings.concurrentRuns(), chunks, delayMs, 20);
      report.add(
          Row.value(
              String.format(
                  Locale.ROOT,
                  "relay: concurrent runs one relay sustains with replies of %2$s (%1$,d submitted at once):"
                      + " peak running",
                  many.runs(),
                  reply),
              String.format(
                  Locale.ROOT,
                  "%d (%d of %d completed in %.0f s)",
                  many.peakRunning(),
                  many.completed(),
                  many.runs(),
                  many.seconds()),
              "≥ 1,000",
              Row.NONE,
              "was 64 (one platform thread per run)"));
      report.add(
          Row.value(
              String.format(
                  Locale.ROOT, "relay: heap and live threads at %,d running", many.peakRunning()),
              String.format(
                  Locale.ROOT,
                  "heap %d MiB, %d threads",
                  many.peakHeapBytes() >> 20,
                  many.peakLiveThreads()),
              "heap ≤ 512 MiB",
              Row.NONE,
              String.format(
                  Locale.ROOT,
                  "20 running: heap %d MiB, %d threads; idle: %d threads",
                  few.peakHeapBytes() >> 20,
                  few.peakLiveThreads(),
                  few.threadsBefore())));
      report.add(
          Row.latency(
              String.format(
                  Locale.ROOT,
                  "relay: chunk, mock → SSE client, at %,d running (20 clients)",
                  many.peakRunning()),
              many.chunkLatency(),
              "p99 as at 20 running",
              Row.NONE,
              "20 running: " + Row.summary(few.chunkLatency())));
      report.note(
          "relay concurrency: one relay (virtual thread per run, THREADLINE_RELAY_MAX_CONCURRENT_RUNS"
              + " = 1000), every reply "
              + chunks
              + " chunks "
              + delayMs
              + " ms apart at the pacing mock; runs submitted in one burst, one thread each; the"
              + " running count sampled from PostgreSQL every 100 ms, the relay's heap"
              + " (jvm_memory_used_bytes, area heap) and live threads from its /prometheus every"
              + " 500 ms; 20 SSE clients on the first 20 threads time each chunk from the mock's"
              + " stamp.");
    }
  }
}
