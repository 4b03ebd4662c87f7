package dev.threadline.functions.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document functions serve is generated from the code and matches the contract: every
 * route and method, with its documented status codes and problem+json errors.
 */
@MicronautTest
class OpenApiDocumentTest extends ApiTestBase {

  /** The routes of README, HTTP API (plus the operator routes): path, method, status codes. */
  private static final List<Route> CONTRACT =
      List.of(
          new Route("/v1/threads", "post", "201", "200", "400", "401", "409", "413", "415"),
          new Route("/v1/threads/{threadId}", "get", "200", "400", "401", "404"),
          new Route(
              "/v1/threads/{threadId}/messages", "post", "202", "400", "401", "404", "413", "415"),
          new Route("/v1/threads/{threadId}/runs/{runId}", "get", "200", "400", "401", "404"),
          new Route("/v1/threads/{threadId}/runs/{runId}/cancel", "post", "202", "401", "404"),
          new Route("/v1/threads/{threadId}/stream", "get", "200", "400", "401", "404"),
          new Route("/v1/threads/{threadId}/stream-tokens", "post", "200", "400", "401", "404"),
          new Route("/health", "get", "200", "503"),
          new Route("/health/liveness", "get", "200"),
          new Route("/health/readiness", "get", "200", "503"),
          new Route("/v1/admin/runs", "get", "200", "401", "403"));

  record Route(String path, String method, String... statuses) {}

  @Test
  @SuppressWarnings("unchecked")
  void theServedDocumentHasEveryContractRouteWithItsStatusCodes() {
    Map<String, Object> document = document();
    Map<String, Object> paths = (Map<String, Object>) document.get("paths");

    for (Route route : CONTRACT) {
      assertThat(paths).as(route.path()).containsKey(route.path());
      Map<String, Object> operations = (Map<String, Object>) paths.get(route.path());
      assertThat(operations).as(route.path()).containsKey(route.method());
      Map<String, Object> operation = (Map<String, Object>) operations.get(route.method());
      Map<String, Object> responses = (Map<String, Object>) operation.get("responses");
      assertThat(responses.keySet())
          .as(route.method() + " " + route.path())
          .contains(route.statuses());
      responses.forEach(
          (status, response) -> {
            if (status.startsWith("4") && route.path().startsWith("/v1")) {
              assertThat(((Map<String, Object>) response).get("content").toString())
                  .as(status + " of " + route.method() + " " + route.path())
                  .contains("application/problem+json", "Problem");
            }
          });
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDocumentDescribesBearerAuthBodiesAndTheEventStream() {
    Map<String, Object> document = document();
    Map<String, Object> components = (Map<String, Object>) document.get("components");
    Map<String, Object> schemes = (Map<String, Object>) components.get("securitySchemes");
    assertThat(schemes.get("bearer").toString()).contains("scheme=bearer", "bearerFormat=JWT");

    Map<String, Object> schemas = (Map<String, Object>) components.get("schemas");
    assertThat(schemas)
        .containsKeys(
            "CreateThreadRequest",
            "SubmitRequest",
            "ThreadView",
            "MessageView",
            "SubmitAccepted",
            "RunView",
            "Problem",
            "AdminRunsPage",
            "StreamTokenView");
    assertThat(schemes.get("streamToken").toString())
        .contains("type=apiKey", "in=query", "name=access_token");

    Map<String, Object> paths = (Map<String, Object>) document.get("paths");
    String stream = paths.get("/v1/threads/{threadId}/stream").toString();
    assertThat(stream)
        .contains("text/event-stream", "reset", "chunk", "done", "error", "cancelled")
        .contains("Last-Event-ID", "follow", "lastEventId", "streamToken", "bearer");
    String submit = paths.get("/v1/threads/{threadId}/messages").toString();
    assertThat(submit).contains("Idempotency-Key", "SubmitRequest");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theDocumentDescribesTheThreadListPagingAndDelete() {
    Map<String, Object> document = document();
    Map<String, Object> schemas =
        (Map<String, Object>) ((Map<String, Object>) document.get("components")).get("schemas");
    assertThat(schemas).containsKeys("ThreadListView", "ThreadSummaryView", "MessagePageView");
    Map<String, Object> paths = (Map<String, Object>) document.get("paths");
    assertThat(paths.get("/v1/threads").toString())
        .contains("ThreadListView", "limit", "cursor", "400", "401");
    assertThat(paths.get("/v1/threads/{threadId}/messages").toString())
        .contains("MessagePageView", "before", "limit", "404");
    assertThat(paths.get("/v1/threads/{threadId}").toString())
        .contains("delete", "204", "404", "olderCursor");
  }

  private Map<String, Object> document() {
    HttpResponse<String> response = api.get("/openapi/threadline.yml", null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new Yaml().load(response.body());
  }
}
