package dev.threadline.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time of one process by kind of thread (from /proc/PID/task/*): where an instance spends a
 * row's CPU, the JIT and the collector included, which a Java profiler does not sample.
 */
final class ThreadCpu {

  private static final double TICKS_PER_SECOND = 100;

  private final long pid;

  ThreadCpu(long pid) {
    this.pid = pid;
  }

  /** CPU seconds so far per kind of thread. */
  Map<String, Double> sample() {
    Map<String, Double> seconds = new LinkedHashMap<>();
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", pid + "", "task"))) {
      for (Path task : tasks) {
        try {
          String name = Files.readString(task.resolve("comm")).trim();
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
          seconds.merge(kind(name), cpu, Double::sum);
        } catch (IOException | RuntimeException gone) {
          // a thread that ended meanwhile
        }
      }
    } catch (IOException e) {
      return seconds;
    }
    return seconds;
  }

  /**
   * "event loops 80 %, JIT 12 %, …": each kind's share of one core between two samples, largest
   * first, those under 1 % left out.
   */
  static String split(Map<String, Double> before, Map<String, Double> after, double seconds) {
    List<Map.Entry<String, Double>> used = new ArrayList<>();
    for (Map.Entry<String, Double> kind : after.entrySet()) {
      double cpu = kind.getValue() - before.getOrDefault(kind.getKey(), 0.0);
      used.add(Map.entry(kind.getKey(), 100 * cpu / seconds));
    }
    used.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Double> kind : used) {
      if (kind.getValue() >= 1) {
        parts.add(String.format(Locale.ROOT, "%s %.0f %%", kind.getKey(), kind.getValue()));
      }
    }
    return parts.isEmpty() ? "nothing over 1 %" : String.join(", ", parts);
  }

  private static String kind(String name) {
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
      return "JIT";
    }
    if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
      return "GC";
    }
    if (name.startsWith("default-eventLo")) {
      return "event loops";
    }
    if (name.startsWith("thread-tail")) {
      return "tail workers";
    }
    if (name.startsWith("parallel-")) {
      return "Reactor parallel (ping timers)";
    }
    if (name.startsWith("boundedElastic")) {
      return "bounded elastic (attach planning)";
    }
    if (name.contains("nats") || name.contains("jnats")) {
      return "NATS client";
    }
    return "other";
  }
}
