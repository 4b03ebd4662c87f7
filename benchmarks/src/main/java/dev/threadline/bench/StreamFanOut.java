package dev.threadline.bench;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One thread, N clients of one functions instance: chunk latency from the pacing mock's stamp to
 * each client, beside its floor, a core NATS publish fanned out to N subscriptions at the same pace
 * in the same run. Replies carry the same client events per second at every N up to 1,000 clients
 * (40 chunks 10 ms apart); at 10,000 clients chunks come 100 ms apart, so the instance sends the
 * same 100,000 events a second as at 1,000.
 */
final class StreamFanOut implements Scenario {

  /** What the issue asked before this run, per client count (figures of earlier runs). */
  private static final Map<Integer, String> BEFORE =
      Map.of(
          1,
          "2026-11-29: p50 2.51 / p99 14.86 ms; issue start: p50 3.18 / p99 24.88 ms",
          100,
          "issue start: p50 21.63 / p99 110 ms",
          1_000,
          "2026-11-29: p50 214 / p99 480 ms; issue start: p50 1021 / p99 4239 ms",
          10_000,
          "not measured before");

  private static final int WARM_UP_REPLIES = 3;

  @Override
  public String name() {
    return "fan-out";
  }

  record Pace(int chunks, int delayMs) {
    static Pace forClients(int clients) {
      return clients >= 10_000 ? new Pace(20, 100) : new Pace(40, 10);
    }

    String text() {
      return chunks + " chunks " + delayMs + " ms apart";
    }
  }

  @Override
  public void run(Bench bench) throws Exception {
    Map<String, Histogram> curves = new LinkedHashMap<>();
    try (BenchStack.Service functions = bench.stack().functions("nats", 8);
        BenchStack.Service relay =
            bench
                .stack()
                .relay("bench-relay-fan-out", bench.mockUrl(), true, Duration.ofMillis(500));
        SseClients clients = SseClients.start(functions.baseUrl(), bench.api().token())) {
      InstanceProbe probe = new InstanceProbe(bench.api(), functions);
      for (int n : bench.settings().fanOutClients()) {
        Pace pace = Pace.forClients(n);
        String label = "one thread, " + Bench.count(n) + " client" + (n == 1 ? "" : "s");
        Bench.say(label + " (replies of " + pace.text() + ")");
        String thread = bench.insertThreads(1).get(0);
        Histogram latency;
        double cpuPercent;
        double cpuMicrosPerEvent;
        String split;
        Histogram bus;
        try (BusTap tap = BusTap.on(bench.stack(), bench.stack().subjectPrefix() + "." + thread);
            SseClients.Group group =
                clients.attach(Collections.nCopies(n, thread), true, 200, Duration.ofMinutes(4))) {
          // a warm instance is what is measured: the first replies after an attach burst run
          // while the JIT still compiles the path
          for (int warmUp = 1; warmUp <= WARM_UP_REPLIES; warmUp++) {
            reply(bench, functions, thread, group, pace, warmUp);
          }
          group.resetLatency();
          tap.reset();
          double cpuBefore = probe.cpuSeconds();
          ThreadCpu threads = new ThreadCpu(functions.process().pid());
          Map<String, Double> threadsBefore = threads.sample();
          long started = System.nanoTime();
          int runs = bench.settings().chunkRuns();
          for (int run = 0; run < runs; run++) {
            reply(bench, functions, thread, group, pace, WARM_UP_REPLIES + run + 1);
          }
          double cpuSeconds = probe.cpuSeconds() - cpuBefore;
          double elapsed = (System.nanoTime() - started) / 1e9;
          cpuPercent = 100 * cpuSeconds / elapsed;
          split = ThreadCpu.split(threadsBefore, threads.sample(), elapsed);
          latency = group.latency();
          bus = tap.latency();
          cpuMicrosPerEvent = 1e6 * cpuSeconds / Math.max(1, latency.getTotalCount());
        }
        Histogram floor =
            NatsFanOut.oneSubject(bench.stack().natsUrl(), n, pace.chunks(), pace.delayMs());
        Histogram sockets =
            SocketFanOut.floor(
                bench.stack().logs(), bench.api().token(), n, pace.chunks(), pace.delayMs());
        Target target = target(n);
        String metric =
            label + ": chunk latency, mock stamp → client (replies of " + pace.text() + ")";
        bench
            .report()
            .add(
                Row.latency(
                    metric,
                    latency,
                    target == null ? Row.NONE : target.text(),
                    "NATS fan-out to "
                        + Bench.count(n)
                        + ": "
                        + Row.summary(floor)
                        + "; raw sockets: "
                        + Row.summary(sockets)
                        + "; on the bus (mock → relay → NATS, a core subscriber): "
                        + Row.summary(bus),
                    BEFORE.getOrDefault(n, Row.NONE)));
        if (target != null) {
          bench
              .report()
              .verdict(
                  label,
                  target.verdict(latency)
                      + String.format(
                          Locale.ROOT,
                          " (NATS floor %s, raw sockets %s; functions used %.0f %% of one core,"
                              + " %.1f µs of CPU per client event; load average %s)",
                          Row.summary(floor),
                          Row.summary(sockets),
                          cpuPercent,
                          cpuMicrosPerEvent,
                          Machine.loadAverageNow()));
        }
        double eventsPerSecond = n * 1000.0 / pace.delayMs();
        bench
            .report()
            .cause(
                String.format(
                    Locale.ROOT,
                    "%s: p50 %s, p99 %s. The bus alone (mock → relay → NATS, a core subscriber in"
                        + " the benchmark) took p50 %s of it; the functions instance used %.0f %% of"
                        + " one core (%s), %.1f µs of CPU per client event, so %,.0f client events"
                        + " a second need %.2f cores of it; raw sockets with nothing else (one"
                        + " thread writing %s sockets) p50 %s, NATS fan-out p50 %s. Load average"
                        + " %s on 2 cores shared with two other engineers' builds and tests.",
                    label,
                    Row.ms(latency.getValueAtPercentile(50)),
                    Row.ms(latency.getValueAtPercentile(99)),
                    Row.ms(bus.getValueAtPercentile(50)),
                    cpuPercent,
                    split,
                    cpuMicrosPerEvent,
                    eventsPerSecond,
                    eventsPerSecond * cpuMicrosPerEvent / 1e6,
                    Bench.count(n),
                    Row.ms(sockets.getValueAtPercentile(50)),
                    Row.ms(floor.getValueAtPercentile(50)),
                    Machine.loadAverageNow()));
        curves.put(Bench.count(n) + " clients", latency);
        curves.put("NATS fan-out to " + Bench.count(n) + " (floor)", floor);
        curves.put("raw sockets to " + Bench.count(n) + " (floor)", sockets);
      }
    }
    bench
        .charts()
        .distributions("stream-fan-out", "One thread, N clients: mock stamp → SSE client", curves);
    bench
        .report()
        .note(
            "one thread, N clients: one functions instance (pool 8), one relay, the pacing mock"
                + " (stamp=1: each chunk carries the wall-clock microsecond of its emit); N"
                + " ?follow=true streams of one thread held by one selector thread in the benchmark"
                + " (SseClients), each stamp subtracted from the wall clock of the read that"
                + " brought it. "
                + bench.settings().chunkRuns()
                + " replies per N after "
                + WARM_UP_REPLIES
                + " warm-up replies; floor: a core NATS publish to N"
                + " subscriptions (over 4 connections) at the same pace, right after the row; raw"
                + " sockets: one thread of a bare server in the benchmark writing each frame to N"
                + " sockets at the same pace, read by the same SseClients (the kernel's and the"
                + " reader's share). CPU per client event: the instance's user + system time over"
                + " the measured replies divided by the chunks its clients received.");
  }

  private static Target target(int clients) {
    if (clients == 1) {
      return Target.of(2.0, 10.0, null);
    }
    if (clients <= 1_000) {
      return Target.of(20.0, 100.0, null);
    }
    return Target.of(200.0, null, null);
  }

  /** One reply through the thread; waits until every client has its {@code done}. */
  private static void reply(
      Bench bench,
      BenchStack.Service functions,
      String thread,
      SseClients.Group group,
      Pace pace,
      int replies)
      throws Exception {
    bench
        .api()
        .submit(
            functions.baseUrl(),
            thread,
            "[stamp=1 chunks="
                + pace.chunks()
                + " delay="
                + pace.delayMs()
                + "ms] round "
                + replies);
    long expected = (long) group.attachedCount() * replies;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (group.done() < expected && System.nanoTime() < deadline) {
      Pause.millis(20);
    }
    if (group.done() < expected) {
      Bench.say("  only " + group.done() + " of " + expected + " done events arrived");
    }
  }
}
