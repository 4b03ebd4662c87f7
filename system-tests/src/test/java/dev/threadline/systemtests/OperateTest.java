package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.threadline.systemtests.deployment.Manifests;
import dev.threadline.systemtests.deployment.Manifests.Container;
import dev.threadline.systemtests.deployment.Manifests.Probe;
import dev.threadline.systemtests.deployment.Manifests.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What an operator relies on, against the packaged jars: the probe paths the Kubernetes manifests
 * declare answer on the real processes, and the admin view, reached with a token from {@code
 * local-stack/token --admin}, lists an empty result as {@code "runs": []}.
 */
@Tag("processes")
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperateTest {

  private Stack stack;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  void startStack() {
    stack = Stack.builder().functions(1).relays(1).start();
  }

  @AfterAll
  void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyProbeTheManifestsDeclareAnswers200OnTheRealProcesses() {
    Manifests manifests = Manifests.load();
    checkProbes(manifests, "threadline/functions", stack.functions(0));
    checkProbes(manifests, "threadline/outbox-relay", stack.relay(0));
  }

  private void checkProbes(Manifests manifests, String image, Stack.Instance instance) {
    List<Resource> workloads = manifests.runningImage(image);
    assertThat(workloads).as(image).hasSize(1);
    Container container = workloads.get(0).container();
    List<Probe> probes = new ArrayList<>();
    for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      container.probe(kind).ifPresent(probes::add);
    }
    assertThat(probes).as(image + " probes").hasSizeGreaterThanOrEqualTo(2);
    for (Probe probe : probes) {
      // the manifest's port is the app's default (KubernetesManifestsTest); here it runs on a free
      // one
      HttpResponse<String> response = get(instance.url() + probe.path(), null);
      System.out.printf(
          "%s %s %s -> %d %s%n",
          image, probe.kind(), probe.path(), response.statusCode(), response.body());
      assertThat(response.statusCode())
          .as(image + " " + probe.kind() + " GET " + probe.path() + ": " + response.body())
          .isEqualTo(200);
    }
  }

  @Test
  void theMetricNamesTheReadmeTellsOperatorsToWatchAreServedOnPrometheus() throws IOException {
    String readme =
        Files.readString(Repository.current().root().resolve("README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf("### Metrics");
    int end = readme.indexOf("###", start + 1);
    assertThat(start).as("README.md has an Operate / Metrics section").isPositive();
    java.util.Set<String> named = new java.util.TreeSet<>();
    java.util.regex.Matcher matcher =
        java.util.regex.Pattern.compile("threadline_[a-z_]+").matcher(readme.substring(start, end));
    while (matcher.find()) {
      named.add(matcher.group());
    }
    assertThat(named).as("metric names in README's Metrics section").hasSizeGreaterThan(10);

    String scraped =
        get(stack.functions(0).metricsUrl(), null).body()
            + get(stack.relay(0).metricsUrl(), null).body();
    // registered on their first event (a takeover, a lost PostgreSQL connection), absent until then
    java.util.Set<String> onFirstEvent =
        java.util.Set.of("threadline_takeovers_total", "threadline_pg_reconnects_total");
    for (String name : named) {
      if (!onFirstEvent.contains(name)) {
        assertThat(scraped)
            .as("README names " + name + ": /prometheus of functions or relay serves it")
            .containsPattern("(?m)^" + name + "(_count|_bucket)?[{ ]");
      }
    }
  }

  @Test
  void functionsServeMetricsOnTheManagementPortOnlyNeverOnThePublicOne() throws IOException {
    assertThat(get(stack.functions(0).url() + "/prometheus", null).statusCode()).isEqualTo(404);
    HttpResponse<String> metrics = get(stack.functions(0).metricsUrl(), null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("threadline_sse_clients");
  }

  @Test
  void anAdminTokenFromLocalStackTokenListsAnEmptyResultAsAnEmptyRunsArray() throws IOException {
    String admin = localStack("token", "--admin", "system-test-operator", "300").strip();

    HttpResponse<String> response =
        get(stack.functions(0).url() + "/v1/admin/runs?status=failed", admin);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode page = ApiClient.JSON.readTree(response.body());
    assertThat(page.has("runs")).as("\"runs\" present in " + response.body()).isTrue();
    assertThat(page.get("runs").isArray()).as(response.body()).isTrue();
    assertThat(page.get("runs").size()).isZero();
    assertThat(page.path("status").asText()).isEqualTo("failed");

    String table = localStack("runs", "failed");
    assertThat(table).contains("0 failed run(s)");
  }

  @Test
  void aTokenWithoutTheAdminRoleIsRefusedTheAdminView() {
    String ordinary = localStack("token", "system-test-user").strip();

    HttpResponse<String> response = get(stack.functions(0).url() + "/v1/admin/runs", ordinary);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
  }

  /** Runs {@code local-stack/<script> args...} signed with this stack's secret; its stdout. */
  private String localStack(String script, String... args) {
    Path root = Repository.current().root();
    List<String> command =
        new ArrayList<>(List.of(root.resolve("local-stack").resolve(script).toString()));
    command.addAll(List.of(args));
    try {
      Path output = Files.createTempFile("local-stack-" + script, ".out");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder
            .environment()
            .putAll(
                Map.of(
                    "AUTH_JWT_SECRET", stack.jwtSecret(),
                    "THREADLINE_URL", stack.functions(0).url()));
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
            .as(String.join(" ", command) + " finished")
            .isTrue();
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + text).isZero();
        return text;
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> get(String url, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
