package dev.threadline.bench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * One line of the results table. Latencies are recorded in microseconds and shown in milliseconds;
 * a throughput row puts its figure in the p50 column and leaves the others empty.
 */
record Row(
    String metric,
    String p50,
    String p99,
    String max,
    String target,
    String floor,
    String baseline) {

  static final String NONE = "—";

  static Row latency(
      String metric, Histogram micros, String target, String floor, String baseline) {
    return new Row(
        metric,
        ms(micros.getValueAtPercentile(50)),
        ms(micros.getValueAtPercentile(99)),
        ms(micros.getMaxValue()),
        target,
        floor,
        baseline);
  }

  static Row value(String metric, String value, String target, String floor, String baseline) {
    return new Row(metric, value, NONE, NONE, target, floor, baseline);
  }

  /** "p50 x / p99 y ms" of a histogram, for the floor and baseline columns. */
  static String summary(Histogram micros) {
    return "p50 "
        + ms(micros.getValueAtPercentile(50))
        + " / p99 "
        + ms(micros.getValueAtPercentile(99));
  }

  static String ms(long micros) {
    return micros >= 100_000
        ? String.format(Locale.ROOT, "%.0f ms", micros / 1000.0)
        : String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
  }

  static Histogram histogram() {
    return new Histogram(3_600_000_000L, 3); // up to an hour in microseconds, 3 significant digits
  }
}
