package dev.threadline.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * A latency target from the issue, in milliseconds; null bounds are not part of it.
 *
 * @param p50 at most this median
 * @param p99 at most this 99th percentile
 * @param max at most this maximum
 */
record Target(Double p50, Double p99, Double max) {

  static Target of(Double p50, Double p99, Double max) {
    return new Target(p50, p99, max);
  }

  String text() {
    List<String> parts = new ArrayList<>();
    if (p50 != null) {
      parts.add("p50 ≤ " + trim(p50) + " ms");
    }
    if (p99 != null) {
      parts.add("p99 ≤ " + trim(p99) + " ms");
    }
    if (max != null) {
      parts.add("max ≤ " + trim(max) + " ms");
    }
    return String.join(", ", parts);
  }

  /** "met", or which bound was missed and by how much. */
  String verdict(Histogram micros) {
    List<String> misses = new ArrayList<>();
    miss(misses, "p50", p50, micros.getValueAtPercentile(50));
    miss(misses, "p99", p99, micros.getValueAtPercentile(99));
    miss(misses, "max", max, micros.getMaxValue());
    return misses.isEmpty() ? "met" : "missed: " + String.join("; ", misses);
  }

  private static void miss(List<String> misses, String name, Double limitMs, long micros) {
    if (limitMs != null && micros / 1000.0 > limitMs) {
      misses.add(
          String.format(
              Locale.ROOT,
              "%s %.2f ms vs %s ms (%.1f×)",
              name,
              micros / 1000.0,
              trim(limitMs),
              micros / 1000.0 / limitMs));
    }
  }

  private static String trim(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }
}
