package dev.threadline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class TargetTest {

  @Test
  void aDistributionWithinEveryBoundMeetsTheTarget() {
    Histogram micros = micros(1_000, 2_000, 2_500);

    assertThat(Target.of(3.0, 10.0, null).verdict(micros)).isEqualTo("met");
  }

  @Test
  void aMissNamesTheBoundTheFigureAndHowManyTimesOver() {
    Histogram micros = micros(6_000, 6_000, 6_000, 30_000);

    String verdict = Target.of(3.0, 15.0, null).verdict(micros);

    assertThat(verdict)
        .startsWith("missed: ")
        .contains("p50 6.00 ms vs 3 ms (2.0×)")
        .contains("p99 30.02 ms vs 15 ms");
  }

  @Test
  void theTargetReadsAsTheIssueStatesIt() {
    assertThat(Target.of(1000.0, null, 2000.0).text()).isEqualTo("p50 ≤ 1000 ms, max ≤ 2000 ms");
    assertThat(Target.of(2.0, 10.0, null).text()).isEqualTo("p50 ≤ 2 ms, p99 ≤ 10 ms");
  }

  @Test
  void latencyRowsShowMillisecondsAndThroughputRowsLeaveTheOtherColumnsEmpty() {
    Row latency = Row.latency("m", micros(1_234, 250_000), "t", "f", "b");
    Row throughput = Row.value("n", "2,000/s", "t", Row.NONE, Row.NONE);

    assertThat(latency.p50()).isEqualTo("1.23 ms");
    assertThat(latency.max()).isEqualTo("250 ms");
    assertThat(throughput.p99()).isEqualTo(Row.NONE);
    assertThat(Row.summary(micros(500))).isEqualTo("p50 0.50 ms / p99 0.50 ms");
  }

  @Test
  void aLoadIsSteadyOnlyWhenNearlyAllWasAcceptedAtTheRateWithinTheP99Limit() {
    Histogram fast = micros(2_000, 3_000);
    Histogram slow = micros(2_000, 80_000);

    assertThat(
            new OpenLoad.Result(1000, 1000, 1000, 990, fast, List.of()).kept(Duration.ofMillis(50)))
        .isTrue();
    assertThat(
            new OpenLoad.Result(1000, 1000, 1000, 990, slow, List.of()).kept(Duration.ofMillis(50)))
        .isFalse();
    assertThat(
            new OpenLoad.Result(1000, 1000, 900, 900, fast, List.of()).kept(Duration.ofMillis(50)))
        .isFalse();
    assertThat(
            new OpenLoad.Result(1000, 1000, 1000, 800, fast, List.of()).kept(Duration.ofMillis(50)))
        .isFalse();
  }

  private static Histogram micros(long... values) {
    Histogram histogram = Row.histogram();
    for (long value : values) {
      histogram.recordValue(value);
    }
    return histogram;
  }
}
