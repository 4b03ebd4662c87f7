package dev.threadline.bench;

import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * N idle {@code ?follow=true} streams on N threads of one functions instance (no relay, nothing
 * published): heap and RSS per stream, live JVM threads at 0, 100 and N streams, the instance's CPU
 * while they idle, and JetStream consumers on the server (an idle thread holds none).
 */
final class IdleStreams implements Scenario {

  private static final int FEW = 100;
  private static final Duration QUIET = Duration.ofSeconds(20);

  @Override
  public String name() {
    return "idle-streams";
  }

  @Override
  public void run(Bench bench) throws Exception {
    int streams = bench.settings().idleStreams();
    Duration window = bench.settings().idleWindow();
    String label =
        Bench.count(streams) + " idle follow streams on " + Bench.count(streams) + " threads";
    Bench.say(label);
    List<String> threads = bench.insertThreads(streams);
    try (BenchStack.Service functions = bench.stack().functions("nats", 8);
        SseClients clients = SseClients.start(functions.baseUrl(), bench.api().token())) {
      InstanceProbe probe = new InstanceProbe(bench.api(), functions);
      InstanceProbe.Sample before = probe.sample();
      try (SseClients.Group few =
          clients.attach(threads.subList(0, FEW), true, 200, Duration.ofMinutes(2))) {
        InstanceProbe.Sample withFew = settle(probe);
        try (SseClients.Group rest =
            clients.attach(threads.subList(FEW, streams), true, 200, Duration.ofMinutes(10))) {
          InstanceProbe.Sample all = settle(probe);
          // idle is the steady state: the JIT compiles the attach burst's code for a while after
          // it (C1/C2 threads were the largest share of the CPU 10 s after it, in a JFR recording)
          Pause.millis(QUIET.toMillis());
          Bench.say("  all attached; idle window of " + window.toSeconds() + " s");
          double cpuBefore = probe.cpuSeconds();
          ThreadCpu threadCpu = new ThreadCpu(functions.process().pid());
          Map<String, Double> threadsBefore = threadCpu.sample();
          Pause.millis(window.toMillis());
          double cpu = probe.cpuSeconds() - cpuBefore;
          bench
              .report()
              .cause(
                  String.format(
                      Locale.ROOT,
                      "%s, idle: %.1f %% of one core, by thread: %s (load average %s). The"
                          + " instance pings each stream every 15 s (%,.0f pings a second, each"
                          + " through the stream's Reactor chain and Micronaut's writer to its"
                          + " socket).",
                      label,
                      100 * cpu / (window.toMillis() / 1000.0),
                      ThreadCpu.split(
                          threadsBefore, threadCpu.sample(), window.toMillis() / 1000.0),
                      Machine.loadAverageNow(),
                      streams / 15.0));
          long consumers;
          try (Connection nats = Nats.connect(bench.stack().natsUrl())) {
            consumers = nats.jetStreamManagement().getConsumerNames(bench.stack().stream()).size();
          }
          report(bench, label, streams, before, withFew, all, cpu, window, consumers);
        }
      }
    }
  }

  private static InstanceProbe.Sample settle(InstanceProbe probe) throws Exception {
    Pause.millis(10_000); // let an attach burst settle: its garbage, pools and JIT compiles
    return probe.sample();
  }

  private static void report(
      Bench bench,
      String label,
      int streams,
      InstanceProbe.Sample before,
      InstanceProbe.Sample few,
      InstanceProbe.Sample all,
      double cpuSeconds,
      Duration window,
      long consumers) {
    Report report = bench.report();
    double heapKiB = (all.heapBytes() - before.heapBytes()) / 1024.0 / streams;
    double rssKiB = (all.rssBytes() - before.rssBytes()) / 1024.0 / streams;
    double cpuPercent = 100 * cpuSeconds / (window.toMillis() / 1000.0);
    long threadGrowth = all.liveThreads() - few.liveThreads();
    report.add(
        Row.value(
            label + ": heap per stream (after a full GC)",
            String.format(Locale.ROOT, "%.1f KiB", heapKiB),
            "≤ 20 KiB",
            Row.NONE,
            "2026-11-29: 14.5 KiB; issue start (1,000 attachers): 24 KiB"));
    report.verdict(
        label + ", heap per stream",
        heapKiB <= 20 ? "met" : String.format(Locale.ROOT, "missed: %.1f KiB vs 20 KiB", heapKiB));
    report.add(
        Row.value(
            label + ": RSS per stream",
            String.format(Locale.ROOT, "%.1f KiB", rssKiB),
            Row.NONE,
            Row.NONE,
            "2026-11-29: 32.7 KiB"));
    report.add(
        Row.value(
            label
                + ": live JVM threads with 0 / "
                + FEW
                + " / "
                + Bench.count(streams)
                + " streams",
            all.liveThreads() == 0
                ? Row.NONE
                : before.liveThreads() + " / " + few.liveThreads() + " / " + all.liveThreads(),
            "independent of the stream count (±16)",
            Row.NONE,
            "2026-11-29: 25 before any stream, 52 with 10,000"));
    report.verdict(
        label + ", live threads",
        Math.abs(threadGrowth) <= 16
            ? "met ("
                + FEW
                + " → "
                + Bench.count(streams)
                + " streams: "
                + signed(threadGrowth)
                + ")"
            : "missed: " + signed(threadGrowth) + " threads from " + FEW + " to " + streams);
    report.add(
        Row.value(
            label + ": idle CPU of the functions instance",
            String.format(Locale.ROOT, "%.1f %% of one core", cpuPercent),
            "≤ 5 %",
            Row.NONE,
            "2026-11-29: 5.9 %"));
    report.verdict(
        label + ", idle CPU",
        cpuPercent <= 5
            ? "met"
            : String.format(Locale.ROOT, "missed: %.1f %% vs 5 %% of one core", cpuPercent));
    report.add(
        Row.value(
            label + ": JetStream consumers on the server",
            String.valueOf(consumers),
            "0 (an idle thread holds none)",
            Row.NONE,
            Row.NONE));
    report.verdict(
        label + ", JetStream consumers", consumers == 0 ? "met" : "missed: " + consumers);
    bench
        .charts()
        .bars(
            "idle-streams",
            label + ": cost per stream",
            "KiB per stream",
            List.of("heap (after GC)", "RSS"),
            Map.of(Bench.count(streams) + " streams", List.of(heapKiB, rssKiB)));
    report.note(
        "idle streams: one functions instance (pool 8), no relay; "
            + Bench.count(streams)
            + " threads, one ?follow=true stream each, held by one selector thread in the"
            + " benchmark (SseClients: a socket per stream, no thread per client), at most 200"
            + " attaching at once. Heap: jvm_memory_used_bytes{area=heap} after jcmd GC.run, before"
            + " any stream and with all open, divided by the count; RSS from /proc; live threads"
            + " (jvm_threads_live_threads) with none, "
            + FEW
            + " and all open; CPU: user + system time of the process over "
            + window.toSeconds()
            + " s with all open and idle, from "
            + (10 + QUIET.toSeconds())
            + " s after the last attached; consumers: the reply stream's consumer names.");
  }

  private static String signed(long value) {
    return (value >= 0 ? "+" : "") + value;
  }
}
