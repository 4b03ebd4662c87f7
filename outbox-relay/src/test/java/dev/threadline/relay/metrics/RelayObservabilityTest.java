package dev.threadline.relay.metrics;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.PrivateNatsServer;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.nats.client.Nats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What an operator sees of a relay: {@code /prometheus}, liveness and readiness. */
class RelayObservabilityTest {

  private static final ScriptedCompletionClient MODEL = new ScriptedCompletionClient();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static TestDatabase database;
  private static RunFixtures fixtures;

  @BeforeAll
  static void setUp() {
    database = TestDatabase.createMigrated();
    fixtures = new RunFixtures(database);
  }

  @AfterAll
  static void tearDown() {
    fixtures.close();
    database.close();
  }

  @Test
  void prometheusCountsClaimsChunksOutcomesAndTakeoversWithTheirLatencies() throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    try (ApplicationContext relay =
        TestRelay.start(TestRelay.properties(database, names, "relay-metrics", Map.of()), MODEL)) {
      URI base = relay.getBean(EmbeddedServer.class).start().getURI();

      String claimedThread = fixtures.thread();
      MODEL.script("count me", deltas("one ", "two ", "three"));
      UUID claimed = fixtures.queueRun(claimedThread, "count me", true, true);
      awaitStatus(claimed, "completed");

      // a run a dead executor left behind: its lock is free, so the scanner takes it over
      String orphanThread = fixtures.thread();
      MODEL.script("orphan me", deltas("resumed"));
      UUID orphan = fixtures.queueRun(orphanThread, "orphan me", true, false);
      fixtures.markRunning(orphan, "relay-dead-" + UUID.randomUUID(), Instant.now().plusSeconds(1));
      awaitStatus(orphan, "completed");

      String metrics = get(base.resolve("/prometheus")).body();

      assertThat(value(metrics, "threadline_runs_claimed_total")).isGreaterThanOrEqualTo(1);
      assertThat(value(metrics, "threadline_runs_finished_total", "status=\"completed\""))
          .isGreaterThanOrEqualTo(2);
      assertThat(value(metrics, "threadline_chunks_published_total")).isGreaterThanOrEqualTo(4);
      assertThat(value(metrics, "threadline_claim_latency_seconds_count"))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(metrics, "threadline_time_to_first_chunk_seconds_count"))
          .isGreaterThanOrEqualTo(2);
      assertThat(
              value(
                  metrics,
                  "threadline_takeovers_total",
                  "source=\"scan\"",
                  "disposition=\"resume\""))
          .isEqualTo(1);
      // lease 4s, set to expire 1s after it was written: its "last renewal" was 3s before that
      assertThat(value(metrics, "threadline_takeover_latency_seconds_count")).isEqualTo(1);
      assertThat(value(metrics, "threadline_takeover_latency_seconds_sum")).isGreaterThan(2.5);
      assertThat(value(metrics, "threadline_runs_in_flight")).isZero();
      assertThat(value(metrics, "threadline_retries_total")).isZero();
      assertThat(value(metrics, "threadline_runs_completed_without_chunks_total")).isZero();

      // /health shows the same counters
      assertThat(get(base.resolve("/health")).body()).contains("\"claimed\":");
    } finally {
      deleteStream(names, "nats://127.0.0.1:4222");
    }
  }

  @Test
  void livenessStaysUpWhileReadinessFollowsNatsAndReconnectsAreCounted() throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    try (PrivateNatsServer broker = PrivateNatsServer.start();
        ApplicationContext relay =
            TestRelay.start(
                TestRelay.properties(
                    database, names, "relay-probes", Map.of("nats.url", broker.url())),
                MODEL)) {
      URI base = relay.getBean(EmbeddedServer.class).start().getURI();
      assertThat(get(base.resolve("/health/liveness")).statusCode()).isEqualTo(200);
      assertThat(get(base.resolve("/health/readiness")).statusCode()).isEqualTo(200);

      broker.stop();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> get(base.resolve("/health/readiness")).statusCode() == 503);
      assertThat(get(base.resolve("/health")).statusCode()).isEqualTo(503);
      HttpResponse<String> liveness = get(base.resolve("/health/liveness"));
      assertThat(liveness.statusCode()).isEqualTo(200);
      assertThat(liveness.body()).doesNotContain("nats", "jdbc");

      broker.startProcess();

      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> get(base.resolve("/health/readiness")).statusCode() == 200);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  value(get(base.resolve("/prometheus")).body(), "threadline_nats_reconnects_total")
                      >= 1);
      deleteStream(names, broker.url());
    }
  }

  private static void awaitStatus(UUID runId, String status) {
    await().atMost(Duration.ofSeconds(10)).until(() -> fixtures.run(runId).status().equals(status));
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The sample of {@code name} whose labels include every one of {@code labels}; 0 if absent. */
  static double value(String exposition, String name, String... labels) {
    return exposition
        .lines()
        .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
        .filter(line -> Arrays.stream(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static void deleteStream(ReplyStreamNames names, String url) throws Exception {
    try (var nats = Nats.connect(url)) {
      nats.jetStreamManagement().deleteStream(names.stream());
    } catch (Exception ignored) {
      // the stream was never created
    }
  }
}
