package dev.threadline.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The submit side, no relay running: the submit transaction alone in PostgreSQL with and without
 * pg_notify by concurrency (and the wake-up at that ceiling), POST → 202 latency at 200/s per
 * wake-up mode against its floor (a raw JDBC insert + commit), and the highest steady submit rate.
 */
final class SubmitScenario implements Scenario {

  private static final Duration P99_LIMIT = Duration.ofMillis(50);

  private Bench bench;
  private Histogram floorSubmit;
  private final Map<String, Histogram> submitLatency = new LinkedHashMap<>();

  @Override
  public String name() {
    return "submit";
  }

  @Override
  public void run(Bench bench) throws Exception {
    this.bench = bench;
    Settings settings = bench.settings();
    Report report = bench.report();
    Charts charts = bench.charts();
    DatabaseLoad database = bench.database();
    BenchStack stack = bench.stack();
    Bench.say("floor: raw JDBC insert + commit at 200/s");
    database.insertCommitFloor(200, settings.warmUp());
    floorSubmit = database.insertCommitFloor(200, settings.steady());

    Bench.say("submit transaction alone, with and without pg_notify, by concurrency");
    List<String> threads = bench.insertThreads(16);
    Map<String, List<Double>> commits = new LinkedHashMap<>();
    List<String> categories = new ArrayList<>();
    for (int clients : new int[] {1, 4, 16}) {
      categories.add(clients + " clients");
      // two rounds in opposite order, so a machine getting busier or quieter favours neither
      double withNotify = 0;
      double without = 0;
      Histogram notifyWakeUp = Row.histogram();
      Histogram natsWakeUp = Row.histogram();
      for (boolean notifyFirst : new boolean[] {true, false}) {
        for (boolean notify : new boolean[] {notifyFirst, !notifyFirst}) {
          DatabaseLoad.Throughput round =
              database.submitTransactions(clients, notify, settings.step().dividedBy(2), threads);
          if (notify) {
            withNotify += round.commitsPerSecond() / 2;
            notifyWakeUp.add(round.wakeUp());
          } else {
            without += round.commitsPerSecond() / 2;
            natsWakeUp.add(round.wakeUp());
          }
        }
      }
      commits.computeIfAbsent("with pg_notify", k -> new ArrayList<>()).add(withNotify);
      commits
          .computeIfAbsent("without (wake-up nats or none)", k -> new ArrayList<>())
          .add(without);
      if (clients == 16) {
        report.add(
            Row.value(
                "submit transaction, DB only, 16 clients, without pg_notify (wake-up nats)",
                Bench.perSecond(without) + " commits/s",
                "past 2,000/s",
                Row.NONE,
                "with pg_notify: " + Bench.perSecond(withNotify) + " commits/s"));
        report.add(
            Row.latency(
                "wake-up at that ceiling: commit start to wake-up heard, NATS after commit ("
                    + Bench.perSecond(without)
                    + " commits/s)",
                natsWakeUp,
                Row.NONE,
                Row.NONE,
                "NOTIFY in the commit ("
                    + Bench.perSecond(withNotify)
                    + "/s): "
                    + Row.summary(notifyWakeUp)));
        charts.distributions(
            "wake-up-at-ceiling",
            "Wake-up latency, 16 clients committing as fast as they can",
            Map.of(
                "NATS after commit, " + Bench.perSecond(without) + " commits/s",
                natsWakeUp,
                "NOTIFY in commit, " + Bench.perSecond(withNotify) + " commits/s",
                notifyWakeUp));
      }
    }
    charts.bars(
        "submit-transactions",
        "Submit transaction commits/s (PostgreSQL only, closed loop)",
        "commits/s",
        categories,
        commits);

    // both instances run side by side and take turns, so noise from the machine hits both alike
    try (BenchStack.Service notify = stack.functions("notify", 16);
        BenchStack.Service nats = stack.functions("nats", 16)) {
      Map<String, BenchStack.Service> instances = new LinkedHashMap<>();
      instances.put("notify", notify);
      instances.put("nats", nats);
      Map<String, List<String>> apiThreads = new LinkedHashMap<>();
      for (Map.Entry<String, BenchStack.Service> instance : instances.entrySet()) {
        apiThreads.put(instance.getKey(), bench.apiThreads(instance.getValue().baseUrl(), 400));
        Bench.say("warm-up at 200/s, wake-up " + instance.getKey() + " (no relay)");
        load(instance.getValue(), apiThreads.get(instance.getKey()), 200, settings.warmUp());
      }
      int slices = 3;
      for (int slice = 0; slice < slices; slice++) {
        for (String mode : turn(instances.keySet(), slice)) {
          Bench.say(
              "submit at 200/s, wake-up "
                  + mode
                  + " (no relay), slice "
                  + (slice + 1)
                  + " of "
                  + slices);
          OpenLoad.Result result =
              load(
                  instances.get(mode),
                  apiThreads.get(mode),
                  200,
                  settings.steady().dividedBy(slices));
          submitLatency.computeIfAbsent(mode, k -> Row.histogram()).add(result.latency());
        }
      }
      Map<String, Map<Double, Double>> p99ByRate = new LinkedHashMap<>();
      Map<String, Map<Double, Double>> acceptedByRate = new LinkedHashMap<>();
      Map<String, Double> best = new LinkedHashMap<>();
      Map<String, Double> most = new LinkedHashMap<>();
      List<String> saturated = new ArrayList<>();
      int step = 0;
      for (double rate : settings.rates()) {
        for (String mode : turn(instances.keySet(), step++)) {
          if (saturated.contains(mode)) {
            continue;
          }
          OpenLoad.Result result =
              load(instances.get(mode), apiThreads.get(mode), rate, settings.step());
          double p99 = result.latency().getValueAtPercentile(99) / 1000.0;
          p99ByRate.computeIfAbsent(mode, k -> new LinkedHashMap<>()).put(rate, p99);
          acceptedByRate
              .computeIfAbsent(mode, k -> new LinkedHashMap<>())
              .put(rate, result.acceptedPerSecond());
          Bench.say(
              String.format(
                  Locale.ROOT,
                  "  wake-up %s, %.0f/s offered: %.0f/s accepted, p99 %.1f ms",
                  mode,
                  rate,
                  result.acceptedPerSecond(),
                  p99));
          most.merge(mode, result.acceptedPerSecond(), Math::max);
          if (result.kept(P99_LIMIT)) {
            best.put(mode, rate);
          }
          if (result.acceptedPerSecond() < rate * 0.9) {
            saturated.add(mode); // higher steps would only queue
          }
        }
      }
      for (String mode : instances.keySet()) {
        report.add(
            Row.value(
                "submit throughput over HTTP, wake-up "
                    + mode
                    + ": highest steady rate (p99 ≤ 50 ms)",
                Bench.perSecond(best.getOrDefault(mode, 0.0))
                    + "/s (most accepted "
                    + Bench.perSecond(most.getOrDefault(mode, 0.0))
                    + "/s)",
                "past 2,000/s",
                Row.NONE,
                Row.NONE));
      }
      charts.lines(
          "submit-throughput-p99",
          "Submit p99 vs offered rate (one functions instance each)",
          "offered submits/s",
          "p99 POST→202 (ms)",
          p99ByRate);
      charts.lines(
          "submit-throughput-accepted",
          "Accepted vs offered submit rate",
          "offered submits/s",
          "accepted submits/s",
          acceptedByRate);
    }

    Histogram floorSubmit = this.floorSubmit;
    Target submitTarget = Target.of(3.0, 15.0, null);
    for (String mode : List.of("nats", "notify")) {
      Histogram measured = submitLatency.get(mode);
      report.add(
          Row.latency(
              "submit: POST to 202 at 200/s, wake-up " + mode,
              measured,
              submitTarget.text(),
              "JDBC insert+commit: " + Row.summary(floorSubmit),
              mode.equals("nats")
                  ? "wake-up notify: " + Row.summary(submitLatency.get("notify"))
                  : Row.NONE));
      report.verdict("submit, wake-up " + mode, submitTarget.verdict(measured));
    }
    Map<String, Histogram> submitCurves = new LinkedHashMap<>();
    submitCurves.put("JDBC insert+commit (floor)", floorSubmit);
    submitLatency.forEach(
        (mode, histogram) -> submitCurves.put("POST→202, wake-up " + mode, histogram));
    charts.distributions("submit-latency", "Submit latency at 200/s", submitCurves);
    report.note(
        "submit: open loop at 200 requests/s, "
            + settings.steady().toSeconds()
            + " s per wake-up mode in"
            + " three alternating slices after a "
            + settings.warmUp().toSeconds()
            + " s warm-up, each request timed from when it was due to its 202; one functions"
            + " instance per mode (pool 16, no relay running), 400 threads round-robin. Floor:"
            + " one-row insert + commit over JDBC at the same rate.");
    report.note(
        "submit throughput: open-loop steps of "
            + settings.step().toSeconds()
            + " s with no relay running (one relay cannot run 2,000 replies/s on this machine;"
            + " pickup is measured apart), modes taking turns; the highest step with ≥ 99%"
            + " accepted, ≥ 95% of the offered rate and p99 ≤ 50 ms. The DB-only rows run the"
            + " submit transaction's statements closed-loop, without HTTP, to show the commit"
            + " ceiling alone, with the wake-up each mode sends (NOTIFY in the transaction, or a"
            + " NATS publish after the commit); a listener of each kind in the benchmark times"
            + " commit start to the wake-up's arrival: where a relay's claim would start.");
  }

  private OpenLoad.Result load(
      BenchStack.Service functions, List<String> threads, double rate, Duration duration)
      throws Exception {
    OpenLoad.Result result =
        OpenLoad.run(
            bench.api(), rate, duration, i -> bench.submit(functions.baseUrl(), threads, i));
    bench.database().cancelQueued();
    return result;
  }

  /** The modes in turn: round 0 in order, round 1 reversed, and so on. */
  static List<String> turn(java.util.Collection<String> modes, int round) {
    List<String> order = new ArrayList<>(modes);
    if (round % 2 == 1) {
      java.util.Collections.reverse(order);
    }
    return order;
  }
}
