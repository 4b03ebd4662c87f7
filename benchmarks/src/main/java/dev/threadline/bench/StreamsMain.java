package dev.threadline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The stream rows, on their own: {@code java -cp benchmarks.jar dev.threadline.bench.StreamsMain
 * [--repo DIR] [--build-dir target] [--out benchmarks/results] [--idle 10000] [--clients 1000]
 * [--threads 1000]}. One functions instance, one relay, the pacing mock; writes {@code streams.md}
 * and prints it.
 */
public final class StreamsMain {

  private StreamsMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("usage: [--name value]...");
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    Path repository = Path.of(options.getOrDefault("repo", ".")).toAbsolutePath().normalize();
    Path out = repository.resolve(options.getOrDefault("out", "benchmarks/results"));
    int idle = Integer.parseInt(options.getOrDefault("idle", "10000"));
    int clients = Integer.parseInt(options.getOrDefault("clients", "1000"));
    int threads = Integer.parseInt(options.getOrDefault("threads", "1000"));
    BenchStack defaults =
        BenchStack.create(
            repository, options.getOrDefault("build-dir", "target"), out.resolve("tmp"));
    // a database and stream of its own: it may run beside the main benchmark
    BenchStack stack =
        new BenchStack(
            defaults.repository(),
            defaults.buildDir(),
            defaults.logs(),
            defaults.pgHost(),
            defaults.pgPort(),
            defaults.natsUrl(),
            "threadline_bench_streams",
            "THREADLINE_BENCH_STREAMS",
            "bench-streams",
            defaults.jwtSecret());
    stack.prepare();
    Api api = new Api(stack.jwtSecret(), "bench");
    List<String> lines = new ArrayList<>();
    lines.add("| row | measured | target |");
    lines.add("|---|---|---|");
    try (BenchStack.Service mock = stack.pacingMock();
        BenchStack.Service functions = stack.functions("nats", 4);
        BenchStack.Service relay =
            stack.relay("bench-relay-1", mock.baseUrl() + "/v1", true, Duration.ofMillis(500))) {
      Histogram floor = ChunkLatency.natsFloor(stack.natsUrl(), 500, 500);
      String floorText = "floor (core NATS publish→subscriber): " + Row.summary(floor);

      say("idle follow streams: " + idle);
      IdleFollowStreams.Result idleResult =
          new IdleFollowStreams(stack, api, functions).measure(idle, Duration.ofSeconds(20));
      lines.add(
          row(
              idle + " idle follow streams on " + idle + " threads",
              idleResult.text(),
              "heap ≤ 20 KiB/stream; threads flat (±16); idle CPU ≤ 5 %"));

      ChunkLatency latency = new ChunkLatency(api, functions.baseUrl());
      List<SseAttacher> attached = new ArrayList<>();
      for (int attachers : new int[] {1, clients}) {
        say("one thread, " + attachers + " clients");
        latency.measure(attachers, 1, 10, 5, attached); // warm-up
        ChunkLatency.detach(attached);
        ChunkLatency.Round round = latency.measure(attachers, 3, 40, 10, attached);
        ChunkLatency.detach(attached);
        lines.add(
            row(
                "one thread, " + attachers + " client" + (attachers == 1 ? "" : "s"),
                Row.summary(round.latency())
                    + " (max "
                    + Row.ms(round.latency().getMaxValue())
                    + "); "
                    + floorText,
                attachers == 1 ? "p50 ≤ 2 ms, p99 ≤ 10 ms" : "p50 ≤ 20 ms, p99 ≤ 100 ms"));
      }

      say(threads + " threads streaming at once");
      ManyThreadsStreaming.Result many =
          new ManyThreadsStreaming(stack, api, functions).measure(threads, 20, 50);
      lines.add(
          row(
              threads + " threads streaming at once, one client each",
              Row.summary(many.latency())
                  + "; replies done "
                  + many.repliesDone()
                  + "; most JetStream consumers seen "
                  + many.mostConsumers(),
              "p99 ≤ 50 ms; consumers ≤ threads tailed"));
    }
    Files.createDirectories(out);
    Files.write(out.resolve("streams.md"), lines);
    lines.forEach(System.out::println);
    System.exit(0);
  }

  private static String row(String name, String measured, String target) {
    String row = "| " + name + " | " + measured + " | " + target + " |";
    say(row);
    return row;
  }

  private static void say(String text) {
    System.out.println("[streams] " + text);
  }
}
