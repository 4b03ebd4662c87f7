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
    double cpuPercent;
    String split;
    Histogram bus;
    Histogram jetStream;
    try (BenchStack.Service functions = bench.stack().functions("nats", 8);
        BenchStack.Service relay =
            bench.stack().relay("bench-relay-many", bench.mockUrl(), true, Duration.ofMillis(500));
        SseClients clients = SseClients.start(functions.baseUrl(), bench.api().token());
        SseClients.Group group = clients.attach(threads, true, 200, Duration.ofMinutes(5));
        BusTap tap = BusTap.on(bench.stack(), bench.stack().subjectPrefix() + ".>");
        BusTap stored = BusTap.consumer(bench.stack(), bench.stack().subjectPrefix() + ".>");
        Connection nats = Nats.connect(bench.stack().natsUrl())) {
      InstanceProbe probe = new InstanceProbe(bench.api(), functions);
      ThreadCpu threadCpu = new ThreadCpu(functions.process().pid());
      Map<String, Double> threadsBefore = threadCpu.sample();
      double cpuBefore = probe.cpuSeconds();
      long started = System.nanoTime();
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
      // a submit that fails on a loaded machine leaves its thread without a reply: done counts it
      CompletableFuture.allOf(
              submits.stream()
                  .map(submit -> submit.exceptionally(failure -> null))
                  .toArray(CompletableFuture[]::new))
          .get(5, TimeUnit.MINUTES);
      // a reply takes CHUNKS × DELAY_MS; what has not ended 90 s after that is reported as not done
      long deadline =
          System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) CHUNKS * DELAY_MS + 90_000);
      while (group.done() < group.attachedCount() && System.nanoTime() < deadline) {
        mostConsumers =
            Math.max(
                mostConsumers,
                // less the benchmark's own consumer (stored)
                nats.jetStreamManagement().getConsumerNames(bench.stack().stream()).size() - 1);
        Pause.millis(200);
      }
      latency = group.latency();
      bus = tap.latency();
      jetStream = stored.latency();
      done = group.done();
      double elapsed = (System.nanoTime() - started) / 1e9;
      cpuPercent = 100 * (probe.cpuSeconds() - cpuBefore) / elapsed;
      split = ThreadCpu.split(threadsBefore, threadCpu.sample(), elapsed);
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
            "NATS, "
                + Bench.count(count)
                + " subjects × 1 subscriber: "
                + Row.summary(floor)
                + "; on the bus (mock → relay → NATS): "
                + Row.summary(bus),
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
    report.cause(
        String.format(
            Locale.ROOT,
            "%s: p50 %s, p99 %s; on the bus (mock → relay → NATS, a core subscriber in the"
                + " benchmark) p50 %s, p99 %s; out of JetStream (an ordered consumer on every thread's"
                + " subject in the benchmark) p50 %s, p99 %s; the functions instance used %.0f %% of one core while"
                + " the replies ran (%s); NATS with as many subjects and subscriptions p50 %s / p99 %s; load"
                + " average %s.",
            label,
            Row.ms(latency.getValueAtPercentile(50)),
            Row.ms(latency.getValueAtPercentile(99)),
            Row.ms(bus.getValueAtPercentile(50)),
            Row.ms(bus.getValueAtPercentile(99)),
            Row.ms(jetStream.getValueAtPercentile(50)),
            Row.ms(jetStream.getValueAtPercentile(99)),
            cpuPercent,
            split,
            Row.ms(floor.getValueAtPercentile(50)),
            Row.ms(floor.getValueAtPercentile(99)),
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
