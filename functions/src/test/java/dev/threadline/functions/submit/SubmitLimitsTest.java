package dev.threadline.functions.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a submit may ask for: an Idempotency-Key stands for one request, a model from
 * THREADLINE_MODELS, and at most THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER queued or running runs.
 */
@MicronautTest
class SubmitLimitsTest extends ApiTestBase {

  private static final int QUOTA = 3;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("threadline.max-active-runs-per-owner", String.valueOf(QUOTA));
    properties.put("threadline.models", "gpt-4o-mini,gpt-4.1-nano");
    properties.put("openai.model", "gpt-4o-mini");
    // enough connections that concurrent submits really run side by side in PostgreSQL
    properties.put("datasources.default.maximum-pool-size", "16");
    return properties;
  }

  private HttpResponse<String> post(String owner, String thread, String body, String key) {
    return api.postJson(
        "/v1/threads/" + thread + "/messages",
        TestTokens.forOwner(owner),
        body,
        key == null ? Map.of() : Map.of("Idempotency-Key", key));
  }

  private String runId(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return read(response.body()).get("runId").getStringValue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"content\":\"other text\"}",
        "{\"content\":\"hello\",\"model\":\"gpt-4.1-nano\"}",
        "{\"content\":\"hello\",\"retryable\":false}",
        "{\"content\":\"hello \"}"
      })
  void theSameKeyWithAnotherBodyIs422AndWritesNothing(String otherBody) {
    String owner = uniqueId("key");
    String thread = createThread(owner);
    String first = runId(post(owner, thread, "{\"content\":\"hello\"}", "k-1"));
    Map<String, Long> before = rowCounts();

    assertProblem(post(owner, thread, otherBody, "k-1"), 422, "Idempotency-Key");

    assertThat(rowCounts()).isEqualTo(before);
    assertThat(runId(post(owner, thread, "{\"content\":\"hello\"}", "k-1"))).isEqualTo(first);
  }

  @Test
  void theSameKeyWithTheSameRequestSpelledOtherwiseReturnsTheFirstRun() {
    String owner = uniqueId("key");
    String thread = createThread(owner);
    String first = runId(post(owner, thread, "{\"content\":\"hello\"}", "k-2"));
    Map<String, Long> before = rowCounts();

    String again =
        runId(
            post(
                owner,
                thread,
                "{\"retryable\":true,\"model\":\"gpt-4o-mini\",\"content\":\"hello\"}",
                "k-2"));

    assertThat(again).isEqualTo(first);
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aModelOutsideThreadlineModelsIs400NamingModelAndWritesNothing() {
    String owner = uniqueId("model");
    String thread = createThread(owner);
    Map<String, Long> before = rowCounts();

    HttpResponse<String> refused =
        post(owner, thread, "{\"content\":\"hi\",\"model\":\"gpt-nonexistent\"}", null);

    assertProblem(refused, 400, "model");
    assertThat(rowCounts()).isEqualTo(before);
    String accepted =
        runId(post(owner, thread, "{\"content\":\"hi\",\"model\":\"gpt-4.1-nano\"}", null));
    assertThat(queryString("select model from runs where id = '" + accepted + "'"))
        .isEqualTo("gpt-4.1-nano");
  }

  @Test
  void aSubmitPastTheOwnersActiveRunsIs429WithRetryAfterAndWritesNothing() {
    String owner = uniqueId("busy");
    String thread = createThread(owner);
    String otherThread = createThread(owner);
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < QUOTA; i++) {
      runs.add(runId(post(owner, i == 0 ? thread : otherThread, "{\"content\":\"q\"}", "q-" + i)));
    }
    Map<String, Long> before = rowCounts();

    HttpResponse<String> refused = post(owner, thread, "{\"content\":\"one more\"}", null);

    assertProblem(refused, 429, "THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER");
    assertThat(refused.headers().firstValue("Retry-After"))
        .hasValueSatisfying(seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
    assertThat(rowCounts()).isEqualTo(before);
    // a retry of an accepted request is no new run: it still gets its run
    assertThat(runId(post(owner, otherThread, "{\"content\":\"q\"}", "q-1")))
        .isEqualTo(runs.get(1));
    // another owner is not held back
    String stranger = uniqueId("idle");
    runId(post(stranger, createThread(stranger), "{\"content\":\"mine\"}", null));

    // a finished run makes room again
    assertThat(
            api.postJson(
                    "/v1/threads/" + thread + "/runs/" + runs.get(0) + "/cancel",
                    TestTokens.forOwner(owner),
                    "")
                .statusCode())
        .isEqualTo(202);
    runId(post(owner, thread, "{\"content\":\"now\"}", null));
    assertProblem(post(owner, thread, "{\"content\":\"and again\"}", null), 429, null);
  }

  @Test
  void concurrentSubmitsOfOneOwnerNeverQueueMoreThanTheQuota() throws Exception {
    String owner = uniqueId("burst");
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      threads.add(createThread(owner));
    }
    int submits = 32;
    ExecutorService pool = Executors.newFixedThreadPool(submits);
    List<Integer> statuses = new ArrayList<>();
    try {
      List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < submits; i++) {
        String thread = threads.get(i % threads.size());
        calls.add(() -> post(owner, thread, "{\"content\":\"burst\"}", null));
      }
      for (Future<HttpResponse<String>> result : pool.invokeAll(calls)) {
        statuses.add(result.get().statusCode());
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(statuses).filteredOn(status -> status == 202).hasSize(QUOTA);
    assertThat(statuses).filteredOn(status -> status == 429).hasSize(submits - QUOTA);
    assertThat(
            queryLong(
                "select count(*) from runs r join threads t on t.id = r.thread_id"
                    + " where t.owner = '"
                    + owner
                    + "'"))
        .isEqualTo(QUOTA);
    assertThat(
            queryLong(
                "select count(*) from messages m join threads t on t.id = m.thread_id"
                    + " where t.owner = '"
                    + owner
                    + "'"))
        .isEqualTo(QUOTA);
  }
}
