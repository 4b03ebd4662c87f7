package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Nats;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * T threads streaming at once, one client each, on one functions instance and one relay (which
 * works up to 1,000 runs at once): chunk latency from the mock's stamp to the client, and the most
 * JetStream consumers seen on the server meanwhile against the threads tailed. Floor: core NATS, T
 * subjects with one subscription each, published at the same pace.
 */
final class ManyThreads implements Scenario {

  private static final int CHUNKS = 20;
  private static final int DELAY_MS = 50;

  @Override
  public String name() {
    return "many-threads";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int count = bench.settings().manyThreads();
    String label = Bench.count(count) + " threads streaming at once, one client each";
    Bench.say(label);
    List<String> threads = bench.insertThreads(count);
    Histogram latency;
    int done;
    int mostConsumers = 0;
    try (BenchStack.Service functions = bench.stack().functions("nats", 8);
        BenchStack.Service relay =
            bench.stack().relay("bench-relay-many", bench.mockUrl(), true, Duration.ofMillis(500));
        SseClients clients = SseClients.start(functions.baseUrl(), bench.api().token());
        SseClients.Group group = clients.attach(threads, true, 200, Duration.ofMinutes(5));
        Connection nats = Nats.connect(bench.stack().natsUrl())) {
      List<CompletableFuture<HttpResponse<String>>> submits = new ArrayList<>();
      for (String thread : threads) {
        submits.add(
            bench
                .api()
                .sendAsync(
                    bench
                        .api()
                        .submitRequest(
                            functions.baseUrl(),
                            thread,
                            "[stamp=1 chunks=" + CHUNKS + " delay=" + DELAY_MS + "ms] many")));
      }
      CompletableFuture.allOf(submits.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (group.done() < group.attachedCount() && System.nanoTime() < deadline) {
        mostConsumers =
            Math.max(
                mostConsumers,
                nats.jetStreamManagement().getConsumerNames(bench.stack().stream()).size());
        Pause.millis(200);
      }
      latency = group.latency();
      done = group.done();
    }
    Histogram floor = NatsFanOut.manySubjects(bench.stack().natsUrl(), count, CHUNKS, DELAY_MS);
    Target target = Target.of(null, 50.0, null);
    Report report = bench.report();
    report.add(
        Row.latency(
            label
                + ": chunk latency, mock stamp → client (replies of "
                + CHUNKS
                + " chunks "
                + DELAY_MS
                + " ms apart)",
            latency,
            target.text(),
            "NATS, " + Bench.count(count) + " subjects × 1 subscriber: " + Row.summary(floor),
            "2026-11-29 (relay at most 64 runs at once): p50 3.90 / p99 1884 ms"));
    report.verdict(
        label,
        target.verdict(latency)
            + String.format(
                Locale.ROOT,
                " (%d of %d replies done; floor %s; load average %s)",
                done,
                count,
                Row.summary(floor),
                Machine.loadAverageNow()));
    report.add(
        Row.value(
            label + ": JetStream consumers on the server, most seen",
            mostConsumers + " (threads tailed: " + Bench.count(count) + ")",
            "≤ threads tailed",
            Row.NONE,
            "2026-11-29: 477 of 1,000"));
    report.verdict(
        label + ", consumers",
        mostConsumers <= count ? "met" : "missed: " + mostConsumers + " consumers");
    bench
        .charts()
        .distributions(
            "many-threads",
            label + ": mock stamp → SSE client",
            Map.of(
                Bench.count(count) + " threads", latency,
                "NATS, " + Bench.count(count) + " subjects (floor)", floor));
    report.note(
        "many threads: one functions instance (pool 8), one relay (THREADLINE_RELAY_MAX_CONCURRENT_RUNS"
            + " = 1000), "
            + Bench.count(count)
            + " threads with one ?follow=true client each (SseClients), one submit each at once,"
            + " replies of "
            + CHUNKS
            + " chunks "
            + DELAY_MS
            + " ms apart; consumers: the reply stream's consumer names every 200 ms until every"
            + " reply is done. Floor: core NATS, as many subjects with one subscription each, one"
            + " publish to each every "
            + DELAY_MS
            + " ms, "
            + CHUNKS
            + " times.");
  }
}
