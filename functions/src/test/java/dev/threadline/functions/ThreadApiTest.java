package dev.threadline.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.RunNotifications;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

@MicronautTest
class ThreadApiTest extends ApiTestBase {

  private static final String OWNER = "alice";
  private final String token = TestTokens.forOwner(OWNER);

  @Test
  void creatingAThreadWithoutAnIdGeneratesOneAndAnswers201WithAnIdleEmptyThread() {
    HttpResponse<String> response = api.postJson("/v1/threads", token, "{\"title\":\"Plans\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode thread = read(response.body());
    assertThat(thread.get("id").getStringValue()).matches("[A-Za-z0-9_-]{1,64}");
    assertThat(thread.get("title").getStringValue()).isEqualTo("Plans");
    assertThat(thread.get("status").getStringValue()).isEqualTo("idle");
    assertThat(thread.get("activeRunId").isNull()).isTrue();
    assertThat(thread.get("messages").size()).isZero();
  }

  @Test
  void creatingTheSameIdAgainBySameOwnerAnswers200AndLeavesTheThreadUnchanged() {
    String id = uniqueId("same");
    assertThat(
            api.postJson("/v1/threads", token, "{\"id\":\"" + id + "\",\"title\":\"first\"}")
                .statusCode())
        .isEqualTo(201);

    HttpResponse<String> again =
        api.postJson("/v1/threads", token, "{\"id\":\"" + id + "\",\"title\":\"second\"}");

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(read(again.body()).get("title").getStringValue()).isEqualTo("first");
    assertThat(queryLong("select count(*) from threads where id = '" + id + "'")).isEqualTo(1);
  }

  @Test
  void anIdTakenByAnotherOwnerAnswers409AndChangesNothing() {
    String id = createThread("bob");
    Map<String, Long> before = rowCounts();

    HttpResponse<String> response = api.postJson("/v1/threads", token, "{\"id\":\"" + id + "\"}");

    assertProblem(response, 409, "id");
    assertThat(rowCounts()).isEqualTo(before);
    assertThat(queryString("select owner from threads where id = '" + id + "'")).isEqualTo("bob");
  }

  @Test
  void submittingAnswers202WithTheQueuedRunAndTheThreadShowsItInProgress() {
    String thread = createThread(OWNER);

    HttpResponse<String> response =
        api.postJson("/v1/threads/" + thread + "/messages", token, "{\"content\":\"Hello\"}");

    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode accepted = read(response.body());
    String runId = accepted.get("runId").getStringValue();
    assertThat(accepted.get("threadId").getStringValue()).isEqualTo(thread);
    assertThat(accepted.get("status").getStringValue()).isEqualTo("queued");
    assertThat(queryString("select model from runs where id = '" + runId + "'"))
        .isEqualTo("gpt-4o-mini");

    JsonNode view = read(api.get("/v1/threads/" + thread, token).body());
    assertThat(view.get("status").getStringValue()).isEqualTo("in_progress");
    assertThat(view.get("activeRunId").getStringValue()).isEqualTo(runId);
    JsonNode message = view.get("messages").get(0);
    assertThat(message.get("role").getStringValue()).isEqualTo("user");
    assertThat(message.get("content").getStringValue()).isEqualTo("Hello");
    assertThat(message.get("runId").getStringValue()).isEqualTo(runId);
    assertThat(message.get("createdAt").getStringValue()).endsWith("Z");
    assertThat(message.get("id").getStringValue()).isNotBlank();
  }

  @Test
  void aGivenModelIsStoredOnTheRun() {
    String thread = createThread(OWNER);
    HttpResponse<String> response =
        api.postJson(
            "/v1/threads/" + thread + "/messages",
            token,
            "{\"content\":\"Hi\",\"model\":\"gpt-4.1-nano\"}");
    String runId = read(response.body()).get("runId").getStringValue();
    assertThat(queryString("select model from runs where id = '" + runId + "'"))
        .isEqualTo("gpt-4.1-nano");
  }

  @Test
  void theThreadListsMessagesInOrderAndTheActiveRunIsTheRunningOneElseTheOldestQueued() {
    String thread = createThread(OWNER);
    UUID first = submit(OWNER, thread, "one");
    UUID second = submit(OWNER, thread, "two");
    assertThat(activeRun(thread)).isEqualTo(first.toString());

    execute(
        "update runs set status = 'running', executor_id = 'x', epoch = 1,"
            + " lease_expires_at = now() + interval '1 minute' where id = '"
            + first
            + "'");
    assertThat(activeRun(thread)).isEqualTo(first.toString());

    execute(
        "insert into messages (id, thread_id, role, content, run_id, created_at) values ('"
            + UUID.randomUUID()
            + "', '"
            + thread
            + "', 'assistant', 'reply one', '"
            + first
            + "', now())");
    execute("update runs set status = 'completed' where id = '" + first + "'");
    assertThat(activeRun(thread)).isEqualTo(second.toString());

    JsonNode messages = read(api.get("/v1/threads/" + thread, token).body()).get("messages");
    List<String> contents = new ArrayList<>();
    messages
        .values()
        .forEach(
            m ->
                contents.add(
                    m.get("role").getStringValue() + ":" + m.get("content").getStringValue()));
    assertThat(contents).containsExactly("user:one", "user:two", "assistant:reply one");

    execute("update runs set status = 'cancelled' where id = '" + second + "'");
    JsonNode idle = read(api.get("/v1/threads/" + thread, token).body());
    assertThat(idle.get("status").getStringValue()).isEqualTo("idle");
    assertThat(idle.get("activeRunId").isNull()).isTrue();
  }

  @Test
  void submittingToAThreadThatDoesNotExistIs404AndWritesNothing() {
    Map<String, Long> before = rowCounts();

    HttpResponse<String> response =
        api.postJson("/v1/threads/" + uniqueId("nope") + "/messages", token, "{\"content\":\"x\"}");

    assertProblem(response, 404, null);
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void theSameIdempotencyKeyReturnsTheFirstRunAndWritesNothing() {
    String thread = createThread(OWNER);
    Map<String, String> key = Map.of("Idempotency-Key", "retry-1");
    HttpResponse<String> first =
        api.postJson("/v1/threads/" + thread + "/messages", token, "{\"content\":\"once\"}", key);
    Map<String, Long> before = rowCounts();

    HttpResponse<String> retried =
        api.postJson("/v1/threads/" + thread + "/messages", token, "{\"content\":\"once\"}", key);

    assertThat(retried.statusCode()).isEqualTo(202);
    assertThat(read(retried.body()).get("runId").getStringValue())
        .isEqualTo(read(first.body()).get("runId").getStringValue());
    assertThat(rowCounts()).isEqualTo(before);

    HttpResponse<String> otherKey =
        api.postJson(
            "/v1/threads/" + thread + "/messages",
            token,
            "{\"content\":\"once\"}",
            Map.of("Idempotency-Key", "retry-2"));
    assertThat(read(otherKey.body()).get("runId").getStringValue())
        .isNotEqualTo(read(first.body()).get("runId").getStringValue());
  }

  @Test
  void twentyConcurrentSubmitsWithOneKeyMakeOneRunAndOneMessage() throws Exception {
    String thread = createThread(OWNER);
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(
            () ->
                api.postJson(
                    "/v1/threads/" + thread + "/messages",
                    token,
                    "{\"content\":\"race\"}",
                    Map.of("Idempotency-Key", "the-one-key")));
      }
      Set<String> runIds = new java.util.HashSet<>();
      for (Future<HttpResponse<String>> result : pool.invokeAll(calls)) {
        HttpResponse<String> response = result.get();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        runIds.add(read(response.body()).get("runId").getStringValue());
      }
      assertThat(runIds).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(queryLong("select count(*) from runs where thread_id = '" + thread + "'"))
        .isEqualTo(1);
    assertThat(queryLong("select count(*) from messages where thread_id = '" + thread + "'"))
        .isEqualTo(1);
  }

  @Test
  void aRunIsReadWithItsState() {
    String thread = createThread(OWNER);
    UUID run = submit(OWNER, thread, "state?");

    JsonNode view = read(api.get("/v1/threads/" + thread + "/runs/" + run, token).body());

    assertThat(view.get("id").getStringValue()).isEqualTo(run.toString());
    assertThat(view.get("status").getStringValue()).isEqualTo("queued");
    assertThat(view.get("attempts").getIntValue()).isZero();
    assertThat(view.get("epoch").getLongValue()).isZero();
    assertThat(view.get("executorId").isNull()).isTrue();
    assertThat(view.get("error").isNull()).isTrue();
    assertThat(view.get("retryable").getBooleanValue()).as("the default").isTrue();
  }

  @Test
  void aRunSubmittedAsNotRetryableIsStoredAndShownSo() {
    String thread = createThread(OWNER);
    HttpResponse<String> response =
        api.postJson(
            "/v1/threads/" + thread + "/messages",
            token,
            "{\"content\":\"launch the daemon\",\"retryable\":false}");
    assertThat(response.statusCode()).isEqualTo(202);
    String run = read(response.body()).get("runId").getStringValue();

    assertThat(queryString("select retryable::text from runs where id = '" + run + "'"))
        .isEqualTo("false");
    JsonNode view = read(api.get("/v1/threads/" + thread + "/runs/" + run, token).body());
    assertThat(view.get("retryable").getBooleanValue()).isFalse();
  }

  @Test
  void anExplicitlyRetryableRunAndANullOneAreRetryable() {
    String thread = createThread(OWNER);
    for (String value : new String[] {"true", "null"}) {
      HttpResponse<String> response =
          api.postJson(
              "/v1/threads/" + thread + "/messages",
              token,
              "{\"content\":\"again\",\"retryable\":" + value + "}");
      assertThat(response.statusCode()).isEqualTo(202);
      String run = read(response.body()).get("runId").getStringValue();
      assertThat(queryString("select retryable::text from runs where id = '" + run + "'"))
          .as(value)
          .isEqualTo("true");
    }
  }

  @Test
  void anUnknownRunOfAKnownThreadIs404() {
    String thread = createThread(OWNER);
    assertProblem(
        api.get("/v1/threads/" + thread + "/runs/" + UUID.randomUUID(), token), 404, null);
    assertProblem(api.get("/v1/threads/" + thread + "/runs/not-a-uuid", token), 404, null);
  }

  @Test
  void cancellingAQueuedRunCancelsItAtOnce() {
    String thread = createThread(OWNER);
    UUID run = submit(OWNER, thread, "never mind");

    HttpResponse<String> response = cancel(thread, run);

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(read(response.body()).get("status").getStringValue()).isEqualTo("cancelled");
    assertThat(queryString("select status from runs where id = '" + run + "'"))
        .isEqualTo("cancelled");
    assertThat(read(api.get("/v1/threads/" + thread, token).body()).get("status").getStringValue())
        .isEqualTo("idle");
  }

  @Test
  void cancellingARunningRunFlagsItAndNotifiesItsExecutor() throws Exception {
    String thread = createThread(OWNER);
    UUID run = submit(OWNER, thread, "stop soon");
    execute(
        "update runs set status = 'running', executor_id = 'x', epoch = 1,"
            + " lease_expires_at = now() + interval '1 minute' where id = '"
            + run
            + "'");
    try (Connection listener = database.connect()) {
      try (Statement listen = listener.createStatement()) {
        listen.execute("listen " + RunNotifications.CANCEL_REQUESTED);
      }

      HttpResponse<String> response = cancel(thread, run);

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(read(response.body()).get("status").getStringValue()).isEqualTo("running");
      assertThat(queryString("select cancel_requested::text from runs where id = '" + run + "'"))
          .isEqualTo("true");
      PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(5000);
      assertThat(notifications).isNotNull();
      assertThat(notifications)
          .anySatisfy(
              n -> {
                assertThat(n.getName()).isEqualTo(RunNotifications.CANCEL_REQUESTED);
                assertThat(n.getParameter()).isEqualTo(run.toString());
              });
    }
  }

  @Test
  void cancellingAFinishedRunIsA202NoOp() {
    String thread = createThread(OWNER);
    UUID run = submit(OWNER, thread, "done already");
    execute("update runs set status = 'completed' where id = '" + run + "'");

    HttpResponse<String> response = cancel(thread, run);

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(read(response.body()).get("status").getStringValue()).isEqualTo("completed");
    assertThat(queryString("select cancel_requested::text from runs where id = '" + run + "'"))
        .isEqualTo("false");
  }

  @Test
  void healthAnswers200WithoutAuthWhenDatabaseAndNatsAnswer() {
    HttpResponse<String> response = api.get("/health", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(read(response.body()).get("status").getStringValue()).isEqualTo("UP");
  }

  private HttpResponse<String> cancel(String thread, UUID run) {
    return api.post("/v1/threads/" + thread + "/runs/" + run + "/cancel", token, null, new byte[0]);
  }

  private String activeRun(String thread) {
    JsonNode node = read(api.get("/v1/threads/" + thread, token).body()).get("activeRunId");
    return node.isNull() ? null : node.getStringValue();
  }

  @SuppressWarnings("unused")
  private static String csv(List<String> values) {
    return values.stream().collect(Collectors.joining(","));
  }
}
