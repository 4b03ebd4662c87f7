package dev.threadline.functions.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The operator view: who holds which run, at which epoch, how fresh its lease is. */
@MicronautTest
class AdminRunsTest extends ApiTestBase {

  private static final String PATH = "/v1/admin/runs";

  @Test
  void anAdminSeesRunningRunsWithTheirExecutorEpochLeaseAndAttempts() {
    String thread = createThread("alice");
    UUID runId = submit("alice", thread, "hello");
    String executor = uniqueId("relay");
    execute(
        "insert into executors (id, started_at, heartbeat_at) values ('"
            + executor
            + "', now(), now() - interval '2 seconds')");
    execute(
        "update runs set status = 'running', executor_id = '"
            + executor
            + "', epoch = 3, attempts = 2, started_at = now(),"
            + " lease_expires_at = now() + interval '8 seconds' where id = '"
            + runId
            + "'");

    HttpResponse<String> response = api.get(PATH + "?status=running", TestTokens.admin("ops"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode page = read(response.body());
    assertThat(page.get("status").getStringValue()).isEqualTo("running");
    JsonNode run = find(page, runId);
    assertThat(run.get("threadId").getStringValue()).isEqualTo(thread);
    assertThat(run.get("status").getStringValue()).isEqualTo("running");
    assertThat(run.get("executorId").getStringValue()).isEqualTo(executor);
    assertThat(run.get("epoch").getLongValue()).isEqualTo(3);
    assertThat(run.get("attempts").getIntValue()).isEqualTo(2);
    assertThat(run.get("leaseExpiresInMs").getLongValue()).isBetween(5_000L, 8_000L);
    assertThat(run.get("executorHeartbeatAgeMs").getLongValue()).isBetween(2_000L, 10_000L);
    assertThat(run.get("createdAt").getStringValue()).isNotBlank();
    assertThat(run.get("startedAt").getStringValue()).isNotBlank();
  }

  @Test
  void statusDefaultsToRunningAndSelectsOtherStatusesAcrossOwners() {
    UUID queued = submit("bob", createThread("bob"), "still queued");

    JsonNode byDefault = read(api.get(PATH, TestTokens.admin("ops")).body());
    JsonNode queuedRuns =
        read(api.get(PATH + "?status=queued&limit=1000", TestTokens.admin("ops")).body());

    assertThat(byDefault.get("status").getStringValue()).isEqualTo("running");
    HttpResponse<String> empty = api.get(PATH + "?status=failed", TestTokens.admin("ops"));
    // Micronaut Serde's default inclusion (NON_EMPTY) would drop an empty list: the page's
    // @JsonInclude(ALWAYS) keeps "runs": [] (OperateTest checks the packaged jar too)
    assertThat(read(empty.body()).get("runs")).as("\"runs\" in " + empty.body()).isNotNull();
    assertThat(read(empty.body()).get("runs").size()).isZero();
    assertThat(find(queuedRuns, queued).get("executorId").isNull()).isTrue();
  }

  @Test
  void withoutATokenIs401AndWithAnOrdinaryTokenIs403Problem() {
    assertProblem(api.get(PATH, null), 401, null);
    assertProblem(api.get(PATH, TestTokens.forOwner("alice")), 403, "roles");
  }

  @Test
  void anUnknownStatusOrALimitOutOfRangeIs400NamingTheParameter() {
    assertProblem(api.get(PATH + "?status=sleeping", TestTokens.admin("ops")), 400, "status");
    assertProblem(api.get(PATH + "?limit=0", TestTokens.admin("ops")), 400, "limit");
    assertProblem(api.get(PATH + "?limit=1001", TestTokens.admin("ops")), 400, "limit");
    assertProblem(api.get(PATH + "?limit=ten", TestTokens.admin("ops")), 400, "limit");
  }

  private static JsonNode find(JsonNode page, UUID runId) {
    for (JsonNode run : page.get("runs").values()) {
      if (run.get("runId").getStringValue().equals(runId.toString())) {
        return run;
      }
    }
    throw new AssertionError("run " + runId + " not listed");
  }
}
