package dev.threadline.functions.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What an operator scrapes and probes: {@code /prometheus}, liveness and readiness, no token. */
@MicronautTest
class MetricsAndProbesTest extends ApiTestBase {

  @Test
  void prometheusCountsSubmitsAndAttachedSseClientsWithoutAToken() {
    String thread = createThread("alice");
    submit("alice", thread, "hello");
    double attachedBefore = scrape("threadline_sse_connections_total");

    try (SseClient sse =
        SseClient.open(
            api, "/v1/threads/" + thread + "/stream", TestTokens.forOwner("alice"), null)) {
      sse.nextLine(Duration.ofSeconds(5)); // the first comment: attached
      assertThat(scrape("threadline_sse_clients")).isGreaterThanOrEqualTo(1);
      assertThat(scrape("threadline_sse_connections_total")).isEqualTo(attachedBefore + 1);
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> scrape("threadline_sse_clients") == 0);
    assertThat(scrape("threadline_submit_latency_seconds_count")).isGreaterThanOrEqualTo(1);
    assertThat(scrape("threadline_submit_latency_seconds_sum")).isPositive();
    assertThat(metrics()).contains("threadline_nats_reconnects_total");
  }

  @Test
  void livenessAndReadinessAreSeparateEndpointsWithoutAToken() {
    HttpResponse<String> liveness = api.get("/health/liveness", null);
    HttpResponse<String> readiness = api.get("/health/readiness", null);

    assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);
    assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
    assertThat(api.get("/health", null).statusCode()).isEqualTo(200);
  }

  private String metrics() {
    HttpResponse<String> response = api.get("/prometheus", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private double scrape(String name, String... labels) {
    return metrics()
        .lines()
        .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
        .filter(line -> Arrays.stream(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
