package dev.threadline.bench;

import io.nats.client.Nats;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark suite: {@code java -jar benchmarks.jar [--repo DIR] [--build-dir target] [--out
 * benchmarks/results] [--quick] [--only NAME[,NAME…]]}. Starts its own stack (database {@code
 * threadline_bench}, reply stream {@code THREADLINE_BENCH}, free ports), runs the scenarios one
 * after the other, each with its own functions and relays, writes {@code latest.md} and the charts,
 * and prints the table. {@code --only} runs the named scenarios (or {@code streams}: the stream
 * rows) and prints their rows; {@code latest.md} is then left as the last full run wrote it.
 */
public final class BenchMain {

  /** Every scenario, in the order a full run takes them. */
  private static final List<Scenario> SCENARIOS =
      List.of(
          new SubmitScenario(),
          new PickupScenario(),
          new IdleStreams(),
          new StreamFanOut(),
          new ManyThreads(),
          new RelayConcurrencyScenario(),
          new RelayThroughputScenario(),
          new RecoveryScenario(),
          new ColdStartScenario(),
          new DurabilityScenario());

  /** Names {@code --only} takes for several scenarios at once. */
  private static final Map<String, List<String>> GROUPS =
      Map.of("streams", List.of("idle-streams", "fan-out", "many-threads", "relay-concurrency"));

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        options.put("quick", "true");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i].substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException(usage());
      }
    }
    List<Scenario> chosen = options.containsKey("only") ? chosen(options.get("only")) : SCENARIOS;
    Path repository = Path.of(options.getOrDefault("repo", ".")).toAbsolutePath().normalize();
    Path out = repository.resolve(options.getOrDefault("out", "benchmarks/results"));
    Path logs = out.resolve("tmp"); // git-ignored: process logs and the AppCDS archive
    BenchStack stack =
        BenchStack.create(repository, options.getOrDefault("build-dir", "target"), logs);
    Settings settings = options.containsKey("quick") ? Settings.quick() : Settings.full();
    if (options.containsKey("replies")) {
      settings = settings.withChunkRuns(Integer.parseInt(options.get("replies")));
    }
    if (options.containsKey("fan-out")) {
      settings =
          settings.withFanOutClients(
              Arrays.stream(options.get("fan-out").split(","))
                  .mapToInt(Integer::parseInt)
                  .toArray());
    }
    long started = System.nanoTime();
    Machine machine = Machine.current();
    // only a full run replaces the committed charts; a partial one draws into tmp
    Charts charts = new Charts(options.containsKey("only") ? logs : out);
    Bench.say("preparing database " + stack.database() + " and stream " + stack.stream());
    stack.prepare();
    String versions = versions(stack);
    try (Bench bench = new Bench(stack, settings, charts)) {
      for (Scenario scenario : chosen) {
        long scenarioStarted = System.nanoTime();
        Bench.say("== " + scenario.name() + " (load average " + Machine.loadAverageNow() + ")");
        try {
          scenario.run(bench);
        } catch (Exception e) {
          // one scenario's failure (a timeout on a loaded machine) costs its rows, not the run
          Bench.say("== " + scenario.name() + " failed: " + e);
          e.printStackTrace();
          bench.report().verdict(scenario.name(), "not measured: the scenario failed: " + e);
        }
        Bench.say(
            String.format(
                Locale.ROOT,
                "== %s took %.0f s",
                scenario.name(),
                (System.nanoTime() - scenarioStarted) / 1e9));
      }
      stack.deleteStream();
      String elapsed =
          String.format(
              Locale.ROOT,
              "%s %.0f s; load average at the end %s",
              options.containsKey("only") ? "only " + options.get("only") + ":" : "whole run",
              (System.nanoTime() - started) / 1e9,
              Machine.loadAverageNow());
      String[] parts = versions.split("\n", 2);
      Path file = options.containsKey("only") ? logs.resolve("only.md") : out.resolve("latest.md");
      bench.report().write(file, machine.markdown(parts[0], parts[1]), charts.written(), elapsed);
      System.out.println();
      System.out.println(bench.report().table());
      System.out.println(bench.report().verdicts());
      System.out.println("written: " + file + " (" + elapsed + ")");
    }
    System.exit(0); // HTTP client and NATS threads are not ours to wait for
  }

  private static List<Scenario> chosen(String only) {
    List<String> names = new ArrayList<>();
    for (String name : only.split(",")) {
      names.addAll(GROUPS.getOrDefault(name.trim(), List.of(name.trim())));
    }
    List<Scenario> chosen = new ArrayList<>();
    for (String name : names) {
      chosen.add(
          SCENARIOS.stream()
              .filter(scenario -> scenario.name().equals(name))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException(usage())));
    }
    return chosen;
  }

  private static String usage() {
    return "usage: [--repo DIR] [--build-dir target] [--out DIR] [--quick] [--only NAME[,NAME…]]"
        + " [--fan-out N[,N…]] [--replies N]"
        + " with NAME one of "
        + String.join(", ", SCENARIOS.stream().map(Scenario::name).toList())
        + ", or "
        + String.join(", ", GROUPS.keySet())
        + " ("
        + Arrays.toString(GROUPS.values().toArray())
        + ")";
  }

  private static String versions(BenchStack stack) throws Exception {
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
}
