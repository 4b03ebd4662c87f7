package dev.threadline.functions.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.HttpApi;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an operator scrapes and probes: {@code /prometheus} on the management port, liveness and
 * readiness on the public one, no token.
 */
@MicronautTest
class MetricsAndProbesTest extends ApiTestBase {

  private final int managementPort = freePort();
  private HttpApi management;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("threadline.management-port", String.valueOf(managementPort));
    return properties;
  }

  @BeforeAll
  void managementClient() {
    management = new HttpApi(URI.create("http://127.0.0.1:" + managementPort + "/"));
  }

  @Test
  void prometheusIsServedOnTheManagementPortAndNotOnThePublicOne() {
    HttpResponse<String> publicPort = api.get("/prometheus", null);
    assertProblem(publicPort, 404, null);

    HttpResponse<String> managementPort = management.get("/prometheus", null);
    assertThat(managementPort.statusCode()).isEqualTo(200);
    assertThat(managementPort.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    assertThat(managementPort.body()).contains("jvm_memory_used_bytes");
  }

  @Test
  void theManagementPortServesNothingButMetrics() {
    assertThat(management.get("/v1/threads/x", TestTokens.forOwner("alice")).statusCode())
        .isEqualTo(404);
    assertThat(management.get("/", null).statusCode()).isEqualTo(404);
  }

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
    HttpResponse<String> response = management.get("/prometheus", null);
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

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
