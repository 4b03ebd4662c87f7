package dev.threadline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** What the figures were measured on: they mean little without it. */
record Machine(
    int cores,
    long memoryMiB,
    String cpu,
    String jdk,
    String os,
    String loadAverage,
    Instant date) {

  static Machine current() {
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        meminfoKiB("MemTotal") / 1024,
        firstValue(Path.of("/proc/cpuinfo"), "model name"),
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        read(Path.of("/proc/loadavg")).stream().findFirst().orElse("?"),
        Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  String markdown(String postgres, String nats) {
    return "| | |\n|---|---|\n"
        + "| date (UTC) | "
        + date
        + " |\n"
        + "| CPU | "
        + cpu
        + " |\n"
        + "| cores | "
        + cores
        + " |\n"
        + "| RAM | "
        + memoryMiB
        + " MiB |\n"
        + "| JDK | "
        + jdk
        + " |\n"
        + "| OS | "
        + os
        + " |\n"
        + "| PostgreSQL | "
        + postgres
        + " |\n"
        + "| NATS | "
        + nats
        + " |\n"
        + "| load average at start (1/5/15 min, runnable/all, last pid) | "
        + loadAverage
        + " |\n";
  }

  /** The 1, 5 and 15 minute load averages now, as /proc/loadavg gives them. */
  static String loadAverageNow() {
    String[] fields =
        read(Path.of("/proc/loadavg")).stream().findFirst().orElse("? ? ?").split(" ");
    return fields[0] + " " + fields[1] + " " + fields[2];
  }

  private static long meminfoKiB(String key) {
    String value = firstValue(Path.of("/proc/meminfo"), key);
    return value.equals("?") ? 0 : Long.parseLong(value.replaceAll("[^0-9]", ""));
  }

  private static String firstValue(Path file, String key) {
    for (String line : read(file)) {
      if (line.startsWith(key)) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "?";
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }
}
