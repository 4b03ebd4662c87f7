package dev.threadline.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A burst of short replies drained by one relay, then by two. */
final class RelayThroughputScenario implements Scenario {

  @Override
  public String name() {
    return "relay-throughput";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Settings settings = bench.settings();
    BenchStack stack = bench.stack();
    Report report = bench.report();
    RelayLoad.Drain one;
    RelayLoad.Drain two;
    try (BenchStack.Service functions = stack.functions("nats", 4);
        BenchStack.Service first =
            stack.relay("bench-relay-1", bench.mockUrl(), true, Duration.ofMillis(500))) {
      RelayLoad relayLoad = new RelayLoad(stack, bench.api(), functions.baseUrl());
      Bench.say("relay throughput: one relay");
      one = relayLoad.drain(settings.drainRuns(), 20, 5);
      try (BenchStack.Service second =
          stack.relay("bench-relay-2", bench.mockUrl(), true, Duration.ofMillis(500))) {
        Bench.say("relay throughput: two relays");
        two = relayLoad.drain(settings.drainRuns(), 20, 5);
      }
    }
    report.add(
        Row.value(
            "relay throughput, " + one.runs() + " runs of 20 chunks at once: runs/s, 1 relay",
            Bench.perSecond(one.runsPerSecond())
                + " runs/s ("
                + Bench.perSecond(one.chunksPerSecond())
                + " chunks/s)",
            Row.NONE,
            Row.NONE,
            Row.NONE));
    report.add(
        Row.value(
            "relay throughput, same burst, 2 relays",
            Bench.perSecond(two.runsPerSecond())
                + " runs/s ("
                + Bench.perSecond(two.chunksPerSecond())
                + " chunks/s)",
            Row.NONE,
            Row.NONE,
            "1 relay: " + Bench.perSecond(one.runsPerSecond()) + " runs/s"));
    report.add(
        Row.value(
            "concurrent runs one relay sustains (peak running, 1 relay)",
            String.valueOf(one.peakRunning()),
            "bounded by the burst (THREADLINE_RELAY_MAX_CONCURRENT_RUNS = 1000)",
            Row.NONE,
            Row.NONE));
    bench
        .charts()
        .bars(
            "relay-throughput",
            "Burst of " + one.runs() + " runs × 20 chunks",
            "per second",
            List.of("runs/s", "chunks/s ÷ 20"),
            Map.of(
                "1 relay",
                List.of(one.runsPerSecond(), one.chunksPerSecond() / 20),
                "2 relays",
                List.of(two.runsPerSecond(), two.chunksPerSecond() / 20)));
  }
}
