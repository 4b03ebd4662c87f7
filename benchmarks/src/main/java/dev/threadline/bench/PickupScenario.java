package dev.threadline.bench;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * Pickup, submit to relay claim, of both wake-ups in one load (submits alternate between an
 * instance that wakes by NATS and one that raises NOTIFY, against the same relay, so the machine's
 * noise hits both alike), and its baseline: a relay with wake-up off, polling every second.
 */
final class PickupScenario implements Scenario {

  /**
   * Pickup is timed below what one relay completes on two cores, so it shows the wake-up, not a
   * backlog.
   */
  private static final double PICKUP_RATE = 20;

  @Override
  public String name() {
    return "pickup";
  }

  @Override
  public void run(Bench bench) throws Exception {
    Settings settings = bench.settings();
    BenchStack stack = bench.stack();
    DatabaseLoad database = bench.database();
    Map<String, Histogram> pickup = new LinkedHashMap<>();
    try (BenchStack.Service nats = stack.functions("nats", 4);
        BenchStack.Service notify = stack.functions("notify", 4)) {
      try (BenchStack.Service relay =
          stack.relay("bench-relay-1", bench.mockUrl(), true, Duration.ofMillis(500))) {
        Bench.say(
            "pickup at "
                + (int) PICKUP_RATE
                + "/s, submits alternating between wake-up nats and notify");
        List<String> natsThreads = bench.apiThreads(nats.baseUrl(), 100);
        List<String> notifyThreads = bench.apiThreads(notify.baseUrl(), 100);
        IntFunction<HttpRequest> alternate =
            i ->
                i % 2 == 0
                    ? bench.submit(nats.baseUrl(), natsThreads, i / 2)
                    : bench.submit(notify.baseUrl(), notifyThreads, i / 2);
        OpenLoad.run(bench.api(), PICKUP_RATE, settings.warmUp(), alternate);
        OpenLoad.Result result =
            OpenLoad.run(bench.api(), PICKUP_RATE, settings.steady(), alternate);
        pickup.put(
            "wake-up nats", database.pickup(result.runIds(), Duration.ofSeconds(30), natsThreads));
        pickup.put(
            "wake-up notify",
            database.pickup(result.runIds(), Duration.ofSeconds(30), notifyThreads));
      }
      Bench.say("baseline: relay with wake-up off, polling every 1 s");
      try (BenchStack.Service relay =
          stack.relay("bench-relay-poll", bench.mockUrl(), false, Duration.ofSeconds(1))) {
        List<String> threads = bench.apiThreads(nats.baseUrl(), 200);
        OpenLoad.Result result =
            OpenLoad.run(
                bench.api(),
                PICKUP_RATE,
                settings.steady(),
                i -> bench.submit(nats.baseUrl(), threads, i));
        pickup.put(
            "poll-only 1 s (baseline)", database.pickup(result.runIds(), Duration.ofSeconds(30)));
      }
    }
    Report report = bench.report();
    Histogram baseline = pickup.get("poll-only 1 s (baseline)");
    Target pickupTarget = Target.of(3.0, 10.0, null);
    for (String mode : List.of("nats", "notify")) {
      Histogram measured = pickup.get("wake-up " + mode);
      report.add(
          Row.latency(
              "pickup: submit to relay claim, " + (int) PICKUP_RATE + "/s, wake-up " + mode,
              measured,
              pickupTarget.text(),
              Row.NONE,
              "poll-only 1 s: " + Row.summary(baseline)));
      report.verdict("pickup, wake-up " + mode, pickupTarget.verdict(measured));
    }
    report.add(
        Row.latency(
            "pickup baseline: wake-up off, poll every 1 s, " + (int) PICKUP_RATE + "/s",
            baseline,
            Row.NONE,
            Row.NONE,
            Row.NONE));
    bench.charts().distributions("pickup-latency", "Pickup: submit to relay claim", pickup);
    report.note(
        "pickup: runs.started_at (the relay's claim) minus runs.created_at (stamped by functions"
            + " just before its transaction), so it includes the submit transaction itself; same"
            + " machine, same clock. Open loop at "
            + (int) PICKUP_RATE
            + "/s for "
            + settings.steady().toSeconds()
            + " s after a warm-up, one relay (poll 500 ms as shipped); submits alternate between a"
            + " functions instance with wake-up nats and one with notify (pool 4 each), so both see"
            + " the same machine; replies of one chunk. Baseline: the same load on a relay with"
            + " THREADLINE_RELAY_WAKE_UP=false and a 1 s poll.");
  }
}
