package dev.threadline.bench;

import io.nats.client.Nats;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.HdrHistogram.Histogram;

/**
 * The benchmark suite: {@code java -jar benchmarks.jar [--repo DIR] [--build-dir target] [--out
 * benchmarks/results] [--quick]}. Starts its own stack (database {@code threadline_bench}, reply stream
 * {@code THREADLINE_BENCH}, free ports), runs each scenario after a warm-up, writes {@code
 * latest.md} and the charts, and prints the table.
 */
public final class BenchMain {

  private static final Duration P99_LIMIT = Duration.ofMillis(50);

  /**
   * Pickup is timed below what one relay completes on two cores, so it shows the wake-up, not a
   * backlog; submit latency is timed at 200/s with no relay competing for the cores.
   */
  private static final double PICKUP_RATE = 20;

  private final BenchStack stack;
  private final Settings settings;
  private final Report report = new Report();
  private final Charts charts;
  private final Api api;
  private final DatabaseLoad database;

  /** Durations and sizes; {@code --quick} shrinks them for a smoke run. */
  record Settings(
      Duration steady,
      Duration warmUp,
      Duration step,
      double[] rates,
      int floorMessages,
      int chunkRuns,
      int drainRuns,
      int kills,
      int coldStarts,
      int concurrentRuns,
      int concurrentReplyChunks,
      int concurrentReplyDelayMs,
      int durabilityRounds) {
    static Settings full() {
      return new Settings(
          Duration.ofSeconds(15),
          Duration.ofSeconds(5),
          Duration.ofSeconds(4),
          new double[] {250, 500, 1000, 1500, 2000, 2500, 3000, 4000},
          3000,
          3,
          300,
          5,
          3,
          1000,
          50,
          400,
          10);
    }

    static Settings quick() {
      return new Settings(
          Duration.ofSeconds(3),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          new double[] {250, 1000, 2000},
          500,
          1,
          40,
          1,
          1,
          100,
          10,
          200,
          3);
    }
  }

  private BenchMain(BenchStack stack, Settings settings, Path out) {
    this.stack = stack;
    this.settings = settings;
    this.charts = new Charts(out);
    this.api = new Api(stack.jwtSecret(), "bench");
    this.database = new DatabaseLoad(stack);
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        options.put("quick", "true");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i].substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException(
            "usage: [--repo DIR] [--build-dir target] [--out DIR] [--quick]"
                + " [--only relay-concurrency|cold-start|durability]");
      }
    }
    Path repository = Path.of(options.getOrDefault("repo", ".")).toAbsolutePath().normalize();
    Path out = repository.resolve(options.getOrDefault("out", "benchmarks/results"));
    Path logs = out.resolve("tmp"); // git-ignored: process logs and the AppCDS archive
    BenchStack stack =
        BenchStack.create(repository, options.getOrDefault("build-dir", "target"), logs);
    Settings settings = options.containsKey("quick") ? Settings.quick() : Settings.full();
    long started = System.nanoTime();
    Machine machine = Machine.current();
    BenchMain bench = new BenchMain(stack, settings, out);
    if (options.containsKey("only")) {
      bench.only(options.get("only"));
    } else {
      bench.run(machine, out, started);
    }
    System.exit(0); // HTTP client and NATS threads are not ours to wait for
  }

  /**
   * One scenario on its own, its rows printed (latest.md is left as the last full run wrote it).
   */
  private void only(String scenario) throws Exception {
    switch (scenario) {
      case "relay-concurrency" -> {
        stack.prepare();
        try (BenchStack.Service mock = stack.pacingMock();
            BenchStack.Service functions = stack.functions("nats", 8)) {
          relayConcurrency(functions, mock.baseUrl() + "/v1");
        }
        stack.deleteStream();
      }
      case "cold-start" -> {
        stack.prepare();
        coldStart();
        stack.deleteStream();
      }
      case "durability" -> durability();
      default ->
          throw new IllegalArgumentException(
              "--only: the scenarios to run alone are relay-concurrency, cold-start, durability");
    }
    System.out.println();
    System.out.println(report.table());
  }

  private void run(Machine machine, Path out, long started) throws Exception {
    say("preparing database " + stack.database() + " and stream " + stack.stream());
    stack.prepare();
    String versions = versions();
    try (BenchStack.Service mock = stack.pacingMock()) {
      submitSide();
      withRelays(mock);
    }
    coldStart();
    durability();
    stack.deleteStream();
    String elapsed =
        String.format(Locale.ROOT, "whole run %.0f s", (System.nanoTime() - started) / 1e9);
    String[] parts = versions.split("\n", 2);
    report.write(
        out.resolve("latest.md"), machine.markdown(parts[0], parts[1]), charts.written(), elapsed);
    System.out.println();
    System.out.println(report.table());
    System.out.println("written: " + out.resolve("latest.md") + " (" + elapsed + ")");
  }

  // ---------------------------------------------------------------- submit side, no relay

  private Histogram floorSubmit;
  private final Map<String, Histogram> submitLatency = new LinkedHashMap<>();
  private final Map<String, Histogram> pickup = new LinkedHashMap<>();

  private void submitSide() throws Exception {
    say("floor: raw JDBC insert + commit at 200/s");
    database.insertCommitFloor(200, settings.warmUp());
    floorSubmit = database.insertCommitFloor(200, settings.steady());

    say("submit transaction alone, with and without pg_notify, by concurrency");
    List<String> threads = insertThreads(16);
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
                perSecond(without) + " commits/s",
                "past 2,000/s",
                Row.NONE,
                "with pg_notify: " + perSecond(withNotify) + " commits/s"));
        report.add(
            Row.latency(
                "wake-up at that ceiling: commit start to wake-up heard, NATS after commit ("
                    + perSecond(without)
                    + " commits/s)",
                natsWakeUp,
                Row.NONE,
                Row.NONE,
                "NOTIFY in the commit ("
                    + perSecond(withNotify)
                    + "/s): "
                    + Row.summary(notifyWakeUp)));
        charts.distributions(
            "wake-up-at-ceiling",
            "Wake-up latency, 16 clients committing as fast as they can",
            Map.of(
                "NATS after commit, " + perSecond(without) + " commits/s",
                natsWakeUp,
                "NOTIFY in commit, " + perSecond(withNotify) + " commits/s",
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
        apiThreads.put(instance.getKey(), apiThreads(instance.getValue().baseUrl(), 400));
        say("warm-up at 200/s, wake-up " + instance.getKey() + " (no relay)");
        load(instance.getValue(), apiThreads.get(instance.getKey()), 200, settings.warmUp());
      }
      int slices = 3;
      for (int slice = 0; slice < slices; slice++) {
        for (String mode : turn(instances.keySet(), slice)) {
          say(
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
          say(
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
                perSecond(best.getOrDefault(mode, 0.0))
                    + "/s (most accepted "
                    + perSecond(most.getOrDefault(mode, 0.0))
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
  }

  private OpenLoad.Result load(
      BenchStack.Service functions, List<String> threads, double rate, Duration duration)
      throws Exception {
    OpenLoad.Result result =
        OpenLoad.run(api, rate, duration, i -> submit(functions.baseUrl(), threads, i));
    database.cancelQueued();
    return result;
  }

  /** The modes in turn: round 0 in order, round 1 reversed, and so on. */
  private static List<String> turn(java.util.Collection<String> modes, int round) {
    List<String> order = new ArrayList<>(modes);
    if (round % 2 == 1) {
      java.util.Collections.reverse(order);
    }
    return order;
  }

  // ---------------------------------------------------------------- with relays

  private void withRelays(BenchStack.Service mock) throws Exception {
    String mockUrl = mock.baseUrl() + "/v1";
    Map<String, BenchStack.Service> relays = new LinkedHashMap<>();
    try (BenchStack.Service functions = stack.functions("nats", 4);
        BenchStack.Service notifying = stack.functions("notify", 4)) {
      relays.put(
          "bench-relay-1", stack.relay("bench-relay-1", mockUrl, true, Duration.ofMillis(500)));
      pickup(functions, notifying);

      say("floor: NATS core publish to subscriber");
      Histogram natsFloor = ChunkLatency.natsFloor(stack.natsUrl(), settings.floorMessages(), 500);
      chunks(functions, natsFloor);

      say("relay throughput: one relay");
      RelayLoad relayLoad = new RelayLoad(stack, api, functions.baseUrl());
      RelayLoad.Drain one = relayLoad.drain(settings.drainRuns(), 20, 5);
      relays.put(
          "bench-relay-2", stack.relay("bench-relay-2", mockUrl, true, Duration.ofMillis(500)));
      say("relay throughput: two relays");
      RelayLoad.Drain two = relayLoad.drain(settings.drainRuns(), 20, 5);
      report.add(
          Row.value(
              "relay throughput, " + one.runs() + " runs of 20 chunks at once: runs/s, 1 relay",
              perSecond(one.runsPerSecond())
                  + " runs/s ("
                  + perSecond(one.chunksPerSecond())
                  + " chunks/s)",
              Row.NONE,
              Row.NONE,
              Row.NONE));
      report.add(
          Row.value(
              "relay throughput, same burst, 2 relays",
              perSecond(two.runsPerSecond())
                  + " runs/s ("
                  + perSecond(two.chunksPerSecond())
                  + " chunks/s)",
              Row.NONE,
              Row.NONE,
              "1 relay: " + perSecond(one.runsPerSecond()) + " runs/s"));
      report.add(
          Row.value(
              "concurrent runs one relay sustains (peak running, 1 relay)",
              String.valueOf(one.peakRunning()),
              "bounded by the burst (THREADLINE_RELAY_MAX_CONCURRENT_RUNS = 1000)",
              Row.NONE,
              Row.NONE));
      charts.bars(
          "relay-throughput",
          "Burst of " + one.runs() + " runs × 20 chunks",
          "per second",
          List.of("runs/s", "chunks/s ÷ 20"),
          Map.of(
              "1 relay",
              List.of(one.runsPerSecond(), one.chunksPerSecond() / 20),
              "2 relays",
              List.of(two.runsPerSecond(), two.chunksPerSecond() / 20)));

      recovery(relayLoad, relays, mockUrl);
      relays.values().forEach(BenchStack.Service::close);
      relays.clear();

      relayConcurrency(functions, mockUrl);

      say("baseline: relay with wake-up off, polling every 1 s");
      try (BenchStack.Service relay =
          stack.relay("bench-relay-poll", mockUrl, false, Duration.ofSeconds(1))) {
        List<String> threads = apiThreads(functions.baseUrl(), 200);
        OpenLoad.Result result =
            OpenLoad.run(
                api, PICKUP_RATE, settings.steady(), i -> submit(functions.baseUrl(), threads, i));
        pickup.put(
            "poll-only 1 s (baseline)", database.pickup(result.runIds(), Duration.ofSeconds(30)));
      }
    } finally {
      relays.values().forEach(BenchStack.Service::close);
    }
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
    charts.distributions("pickup-latency", "Pickup: submit to relay claim", pickup);
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

  /**
   * One relay alone working many slow replies at once (virtual threads): first a handful, the
   * baseline for chunk latency, then {@code concurrentRuns}, all submitted in one burst.
   */
  private void relayConcurrency(BenchStack.Service functions, String mockUrl) throws Exception {
    int chunks = settings.concurrentReplyChunks();
    int delayMs = settings.concurrentReplyDelayMs();
    String reply = String.format(Locale.ROOT, "%.0f s", chunks * delayMs / 1000.0);
    try (BenchStack.Service relay =
        stack.relay("bench-relay-concurrent", mockUrl, true, Duration.ofMillis(500))) {
      RelayConcurrency concurrency = new RelayConcurrency(stack, api, functions.baseUrl());
      say("relay concurrency: 20 replies of " + reply + " at once (baseline), one relay");
      RelayConcurrency.Result few = concurrency.measure(relay.baseUrl(), 20, chunks, delayMs, 20);
      say(
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
                  "relay: %,d replies of %s submitted at once, 1 relay: peak running",
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

  /**
   * Pickup of both wake-ups in one load: submits alternate between an instance that wakes by NATS
   * and one that raises NOTIFY, against the same relay, so the machine's noise hits both alike.
   */
  private void pickup(BenchStack.Service nats, BenchStack.Service notify) throws Exception {
    say(
        "pickup at "
            + (int) PICKUP_RATE
            + "/s, submits alternating between wake-up nats and notify");
    List<String> natsThreads = apiThreads(nats.baseUrl(), 100);
    List<String> notifyThreads = apiThreads(notify.baseUrl(), 100);
    java.util.function.IntFunction<java.net.http.HttpRequest> alternate =
        i ->
            i % 2 == 0
                ? submit(nats.baseUrl(), natsThreads, i / 2)
                : submit(notify.baseUrl(), notifyThreads, i / 2);
    OpenLoad.run(api, PICKUP_RATE, settings.warmUp(), alternate);
    OpenLoad.Result result = OpenLoad.run(api, PICKUP_RATE, settings.steady(), alternate);
    pickup.put(
        "wake-up nats", database.pickup(result.runIds(), Duration.ofSeconds(30), natsThreads));
    pickup.put(
        "wake-up notify", database.pickup(result.runIds(), Duration.ofSeconds(30), notifyThreads));
  }

  private void chunks(BenchStack.Service functions, Histogram natsFloor) throws Exception {
    ChunkLatency chunks = new ChunkLatency(api, functions.baseUrl());
    long heapIdle = ChunkLatency.heapUsedBytes(api, functions.metricsBaseUrl());
    long rssIdle = functions.process().rssBytes();
    Map<String, Histogram> curves = new LinkedHashMap<>();
    curves.put("NATS publish→subscriber (floor)", natsFloor);
    Target target = Target.of(2.0, 10.0, null);
    List<SseAttacher> attached = new ArrayList<>();
    for (int attachers : new int[] {1, 100, 1000}) {
      say("chunk latency with " + attachers + " attachers");
      chunks.measure(attachers, 1, 10, 5, attached); // warm-up
      ChunkLatency.detach(attached);
      ChunkLatency.Round round = chunks.measure(attachers, settings.chunkRuns(), 40, 10, attached);
      String metric =
          "chunk: mock emit to SSE client, "
              + attachers
              + " attacher"
              + (attachers == 1 ? "" : "s");
      report.add(
          Row.latency(
              metric, round.latency(), target.text(), "NATS: " + Row.summary(natsFloor), Row.NONE));
      report.verdict(metric, target.verdict(round.latency()));
      curves.put(attachers + " attacher" + (attachers == 1 ? "" : "s"), round.latency());
      if (attachers == 1000) {
        Pause.millis(2000); // let the reply's garbage settle before reading memory
        long heap = ChunkLatency.heapUsedBytes(api, functions.metricsBaseUrl());
        long rss = functions.process().rssBytes();
        report.add(
            Row.value(
                "memory: one functions instance, 1000 idle SSE attachers (heap used / RSS)",
                mib(heap) + " / " + mib(rss),
                Row.NONE,
                Row.NONE,
                "0 attachers: " + mib(heapIdle) + " / " + mib(rssIdle)));
      }
      ChunkLatency.detach(attached);
    }
    charts.distributions("chunk-latency", "Chunk latency: mock emit to SSE client", curves);
    report.note(
        "chunk: the pacing mock (stamp=1) writes its wall-clock microsecond into each chunk; every"
            + " SSE client (?follow=true, one functions instance) subtracts it from its receive"
            + " time. "
            + settings.chunkRuns()
            + " replies of 40 chunks 10 ms apart per level, after a warm-up reply. Floor: a core"
            + " NATS publish to a subscriber at 500/s. Memory: jvm_memory_used_bytes{area=heap}"
            + " from /prometheus and VmRSS, default JVM flags.");
  }

  private void recovery(RelayLoad relayLoad, Map<String, BenchStack.Service> relays, String mockUrl)
      throws Exception {
    List<Long> toReset = new ArrayList<>();
    List<Long> toChunk = new ArrayList<>();
    for (int i = 0; i < settings.kills(); i++) {
      say("recovery: SIGKILL of the owner, " + (i + 1) + " of " + settings.kills());
      RelayLoad.Recovery recovery = relayLoad.killOwner(relays);
      toReset.add(recovery.toResetMicros());
      toChunk.add(recovery.toChunkMicros());
      for (Map.Entry<String, BenchStack.Service> relay : relays.entrySet()) {
        if (!relay.getValue().process().isAlive()) {
          relay.setValue(stack.relay(relay.getKey(), mockUrl, true, Duration.ofMillis(500)));
        }
      }
    }
    Histogram reset = RelayLoad.histogram(toReset);
    Histogram chunk = RelayLoad.histogram(toChunk);
    Target resetTarget = Target.of(1000.0, null, 2000.0);
    report.add(
        Row.latency(
            "recovery: SIGKILL of owner to first reset at the client ("
                + settings.kills()
                + " kills)",
            reset,
            resetTarget.text(),
            Row.NONE,
            Row.NONE));
    report.add(
        Row.latency(
            "recovery: SIGKILL of owner to first new chunk", chunk, Row.NONE, Row.NONE, Row.NONE));
    report.verdict("recovery to reset", resetTarget.verdict(reset));
    charts.distributions(
        "recovery",
        "Recovery after SIGKILL of the owning relay",
        Map.of("to first reset", reset, "to first new chunk", chunk));
    report.note(
        "recovery: two relays; a reply of 400 chunks 10 ms apart; once the client has 5 chunks the"
            + " owning relay gets SIGKILL; timed at the client to the reset of the higher epoch and"
            + " its first chunk.");
  }

  // ---------------------------------------------------------------- cold start

  private void coldStart() throws Exception {
    say("cold start: java -jar functions.jar to the first 202");
    ColdStart cold = new ColdStart(stack, api);
    String thread = insertThreads(1).get(0);
    say("  AOT cache as shipped: local-stack/aot-cache (skipped when newer than the jar)");
    Path aotCache = stack.functionsAotCache();
    Path appCds = cold.trainAppCds(thread, stack.logs().resolve("functions-appcds.jsa"));
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("as shipped (AOT cache)", List.of("-XX:AOTCache=" + aotCache));
    variants.put("plain", List.of());
    variants.put("AppCDS dynamic archive", List.of("-XX:SharedArchiveFile=" + appCds));
    // what a platform whose JVM cannot map our cache (AWS Lambda's) can still do: C1 only
    variants.put("plain, C1 only (-XX:TieredStopAtLevel=1)", List.of("-XX:TieredStopAtLevel=1"));
    Map<String, List<ColdStart.Start>> starts = new LinkedHashMap<>();
    // taking turns, so the machine getting busier or quieter favours none of them
    for (int i = 0; i < settings.coldStarts(); i++) {
      for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
        String name = "functions-cold-" + variant.getKey().replaceAll("[^a-zA-Z]+", "-") + i;
        starts
            .computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
            .add(cold.once(name, thread, variant.getValue()));
      }
    }
    database.cancelQueued();
    Target target = Target.of(1500.0, null, null);
    Histogram plain = wall(starts.get("plain"));
    for (Map.Entry<String, List<ColdStart.Start>> variant : starts.entrySet()) {
      Histogram histogram = wall(variant.getValue());
      String metric = "cold start: java -jar functions.jar to first 202, " + variant.getKey();
      report.add(
          Row.latency(
              metric,
              histogram,
              target.text(),
              Row.NONE,
              "CPU to 202: p50 "
                  + Row.ms(cpu(variant.getValue()).getValueAtPercentile(50) * 1000)
                  + (variant.getKey().equals("plain") ? "" : "; plain: " + Row.summary(plain))));
      report.verdict("cold start, " + variant.getKey(), target.verdict(histogram));
    }
    report.note(
        "cold start: "
            + settings.coldStarts()
            + " starts of each kind, in turns, timed from process start to the first 202 of a"
            + " submit polled every 10 ms; CPU is the process's user + system time then (less"
            + " sensitive to a busy machine than wall time). As shipped: -XX:AOTCache from"
            + " local-stack/aot-cache (JDK 25 AOT cache: one training run that reads health, lists"
            + " threads and submits to a missing thread), what ./local-stack/up starts functions"
            + " with. AppCDS: an archive from one training run with -XX:ArchiveClassesAtExit.");
  }

  private static Histogram wall(List<ColdStart.Start> starts) {
    return RelayLoad.histogram(starts.stream().map(ColdStart.Start::wallMicros).toList());
  }

  private static Histogram cpu(List<ColdStart.Start> starts) {
    return RelayLoad.histogram(starts.stream().map(ColdStart.Start::cpuMillis).toList());
  }

  // ---------------------------------------------------------------- durability

  private void durability() throws Exception {
    int chunks = 40;
    long gapMillis = 10;
    say(
        "durability: JetStream chunk publishes, default sync_interval against sync_interval always");
    List<Durability.Setting> measured =
        new Durability(stack.logs()).measure(settings.durabilityRounds(), chunks, gapMillis);
    Durability.Setting reference = measured.get(0);
    for (Durability.Setting setting : measured) {
      if (!setting.measured()) {
        report.add(
            Row.value(
                "durability: chunk publish→ack, " + setting.name(),
                "not measured",
                Row.NONE,
                Row.NONE,
                "this nats-server refuses it: " + setting.refusal()));
        continue;
      }
      if (setting.delivery() == null) {
        report.add(
            Row.latency(
                "durability: " + setting.name() + ", on the store's disk",
                setting.ack(),
                Row.NONE,
                Row.NONE,
                Row.NONE));
        continue;
      }
      String baseline =
          setting == reference ? Row.NONE : reference.name() + ": " + Row.summary(reference.ack());
      report.add(
          Row.latency(
              "durability: chunk publish→ack (what the relay waits for), " + setting.name(),
              setting.ack(),
              Row.NONE,
              Row.NONE,
              baseline));
      report.add(
          Row.latency(
              "durability: chunk publish→ordered consumer (what a stream tail sees), "
                  + setting.name(),
              setting.delivery(),
              Row.NONE,
              Row.NONE,
              setting == reference
                  ? Row.NONE
                  : reference.name() + ": " + Row.summary(reference.delivery())));
    }
    report.note(
        "durability: private nats-servers started from a config file each (store under"
            + " benchmarks/results/tmp), "
            + settings.durabilityRounds()
            + " replies of "
            + chunks
            + " chunks "
            + gapMillis
            + " ms apart per setting, in turns; each publish expects the subject's last sequence,"
            + " as the relay's do, and is timed to its ack and to an ordered push consumer.");
  }

  // ---------------------------------------------------------------- helpers

  private java.net.http.HttpRequest submit(String baseUrl, List<String> threads, int i) {
    return api.submitRequest(baseUrl, threads.get(i % threads.size()), "[chunks=1] bench " + i);
  }

  private List<String> apiThreads(String baseUrl, int count) {
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      threads.add(api.createThread(baseUrl, "load"));
    }
    return threads;
  }

  /** Threads of owner "bench" written straight into the database (no functions needed). */
  private List<String> insertThreads(int count) throws Exception {
    List<String> threads = new ArrayList<>();
    try (Connection connection = stack.connect();
        PreparedStatement insert =
            connection.prepareStatement(
                "insert into threads (id, owner, created_at) values (?, 'bench', now())")) {
      for (int i = 0; i < count; i++) {
        String id = "db-" + UUID.randomUUID().toString().substring(0, 13);
        insert.setString(1, id);
        insert.executeUpdate();
        threads.add(id);
      }
    }
    return threads;
  }

  private String versions() throws Exception {
    String postgres;
    try (Connection connection = stack.connect();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("show server_version")) {
      row.next();
      postgres = row.getString(1);
    }
    try (io.nats.client.Connection nats = Nats.connect(stack.natsUrl())) {
      return postgres + "\n" + nats.getServerInfo().getVersion();
    }
  }

  private static String perSecond(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }

  private static void say(String line) {
    System.out.println("[bench] " + line);
  }
}
