package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

  private static final Instant NOW = Instant.parse("2026-11-23T09:00:00Z");

  @Test
  void readsDelaySecondsIncludingFractions() {
    assertThat(RetryAfter.parse("20", NOW)).contains(Duration.ofSeconds(20));
    assertThat(RetryAfter.parse(" 1.5 ", NOW)).contains(Duration.ofMillis(1500));
  }

  @Test
  void readsAnHttpDateRelativeToNowAndTreatsThePastAsZero() {
    assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:30 GMT", NOW))
        .contains(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Mon, 23 Nov 2026 08:00:00 GMT", NOW)).contains(Duration.ZERO);
  }

  @Test
  void ignoresValuesItCannotRead() {
    assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
    assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
    assertThat(RetryAfter.from(headers(Map.of()), NOW)).isEmpty();
  }

  @Test
  void prefersRetryAfterMsOverRetryAfter() {
    HttpHeaders headers = headers(Map.of("retry-after-ms", "250", "Retry-After", "1"));

    assertThat(RetryAfter.from(headers, NOW)).contains(Duration.ofMillis(250));
  }

  @Test
  void fallsBackToRetryAfterWhenRetryAfterMsIsUnreadable() {
    HttpHeaders headers = headers(Map.of("retry-after-ms", "x", "Retry-After", "3"));

    assertThat(RetryAfter.from(headers, NOW)).contains(Duration.ofSeconds(3));
  }

  private static HttpHeaders headers(Map<String, String> values) {
    Map<String, List<String>> multi = new java.util.HashMap<>();
    values.forEach((name, value) -> multi.put(name, List.of(value)));
    return HttpHeaders.of(multi, (name, value) -> true);
  }
}
