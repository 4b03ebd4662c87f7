package dev.threadline.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Lambda handler fed API Gateway HTTP API (payload 2.0) events, as AWS would, against a real
 * PostgreSQL database and NATS: what it answers and what it writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiGatewayHandlerTest {

  private static final String SECRET = "lambda-handler-test-secret-0123456789abcdef";

  private final TestDatabase database = TestDatabase.createMigrated();
  private final ReplyStreamNames names = TestReplyStream.unique();
  private ApiGatewayHandler handler;

  @BeforeAll
  void startHandler() {
    Map<String, Object> properties = new HashMap<>(database.datasourceProperties());
    properties.putAll(TestReplyStream.properties(names));
    properties.put("auth.jwt.secret", SECRET);
    handler = new ApiGatewayHandler(ApplicationContext.run(properties, "function"));
  }

  @AfterAll
  void close() {
    handler.close();
    database.close();
    try (io.nats.client.Connection nats = io.nats.client.Nats.connect("nats://127.0.0.1:4222")) {
      nats.jetStreamManagement().deleteStream(names.stream());
    } catch (Exception e) {
      // never created
    }
  }

  @Test
  void aSubmitEventIsAcceptedWith202AndWritesTheMessageAndAQueuedRun() throws Exception {
    String thread = "lambda-" + UUID.randomUUID();
    APIGatewayV2HTTPResponse created =
        handle("POST", "/v1/threads", token("alice"), "{\"id\":\"" + thread + "\"}");
    assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(201);

    APIGatewayV2HTTPResponse submitted =
        handle(
            "POST",
            "/v1/threads/" + thread + "/messages",
            token("alice"),
            "{\"content\":\"hello from Lambda\"}");

    assertThat(submitted.getStatusCode()).as(submitted.getBody()).isEqualTo(202);
    assertThat(submitted.getBody()).contains("\"status\":\"queued\"");
    try (Connection connection = database.connect();
        PreparedStatement query =
            connection.prepareStatement(
                "select r.status, m.content from runs r join messages m on m.thread_id = r.thread_id"
                    + " where r.thread_id = ?")) {
      query.setString(1, thread);
      try (ResultSet row = query.executeQuery()) {
        assertThat(row.next()).as("a run and its message").isTrue();
        assertThat(row.getString("status")).isEqualTo("queued");
        assertThat(row.getString("content")).isEqualTo("hello from Lambda");
        assertThat(row.next()).as("exactly one").isFalse();
      }
    }
  }

  @Test
  void readingTheThreadAndRunCancellingAndMintingAStreamTokenAnswerAsOverHttp() throws Exception {
    String thread = "lambda-" + UUID.randomUUID();
    assertThat(
            handle("POST", "/v1/threads", token("bob"), "{\"id\":\"" + thread + "\"}")
                .getStatusCode())
        .isEqualTo(201);
    APIGatewayV2HTTPResponse submitted =
        handle("POST", "/v1/threads/" + thread + "/messages", token("bob"), "{\"content\":\"hi\"}");
    String runId = field(submitted.getBody(), "runId");

    APIGatewayV2HTTPResponse read = handle("GET", "/v1/threads/" + thread, token("bob"), null);
    assertThat(read.getStatusCode()).as(read.getBody()).isEqualTo(200);
    assertThat(read.getBody()).contains("\"content\":\"hi\"").contains(runId);

    APIGatewayV2HTTPResponse cancelled =
        handle("POST", "/v1/threads/" + thread + "/runs/" + runId + "/cancel", token("bob"), null);
    assertThat(cancelled.getStatusCode()).as(cancelled.getBody()).isEqualTo(202);
    assertThat(runStatus(runId))
        .as("the queued run is cancelled in PostgreSQL")
        .isEqualTo("cancelled");

    APIGatewayV2HTTPResponse minted =
        handle("POST", "/v1/threads/" + thread + "/stream-tokens", token("bob"), null);
    assertThat(minted.getStatusCode()).as(minted.getBody()).isEqualTo(200);
    assertThat(field(minted.getBody(), "token")).isNotBlank();

    APIGatewayV2HTTPResponse foreign = handle("GET", "/v1/threads/" + thread, token("eve"), null);
    assertThat(foreign.getStatusCode()).as("another owner's thread").isEqualTo(404);
  }

  @Test
  void theStreamIsRefusedWithAProblemNamingWhereItRuns() throws Exception {
    String thread = "lambda-" + UUID.randomUUID();
    handle("POST", "/v1/threads", token("carol"), "{\"id\":\"" + thread + "\"}");

    APIGatewayV2HTTPResponse stream =
        handle("GET", "/v1/threads/" + thread + "/stream", token("carol"), null);

    assertThat(stream.getStatusCode()).isEqualTo(421);
    assertThat(stream.getHeaders().get("Content-Type")).startsWith("application/problem+json");
    assertThat(stream.getBody()).contains("functions container");
  }

  private String runStatus(String runId) throws Exception {
    try (Connection connection = database.connect();
        PreparedStatement query =
            connection.prepareStatement("select status from runs where id = ?")) {
      query.setObject(1, UUID.fromString(runId));
      try (ResultSet row = query.executeQuery()) {
        assertThat(row.next()).as("run " + runId).isTrue();
        return row.getString(1);
      }
    }
  }

  /** A top-level string field of a JSON object. */
  private static String field(String json, String name) {
    java.util.regex.Matcher value =
        java.util.regex.Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    assertThat(value.find()).as(name + " in " + json).isTrue();
    return value.group(1);
  }

  private APIGatewayV2HTTPResponse handle(String method, String path, String token, String body) {
    APIGatewayV2HTTPEvent event =
        APIGatewayV2HTTPEvent.builder()
            .withVersion("2.0")
            .withRouteKey("$default")
            .withRawPath(path)
            .withRawQueryString("")
            .withHeaders(
                Map.of(
                    "authorization", "Bearer " + token,
                    "content-type", "application/json",
                    "host", "api.example.com"))
            .withBody(body == null ? "" : body)
            .withIsBase64Encoded(false)
            .withRequestContext(
                APIGatewayV2HTTPEvent.RequestContext.builder()
                    .withHttp(
                        APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                            .withMethod(method)
                            .withPath(path)
                            .withProtocol("HTTP/1.1")
                            .withSourceIp("203.0.113.7")
                            .build())
                    .withRequestId(UUID.randomUUID().toString())
                    .withStage("$default")
                    .build())
            .build();
    return handler.handleRequest(event, null);
  }

  /** An HS256 JWT for {@code owner}, valid for ten minutes. */
  private static String token(String owner) throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String header = base64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    String claims =
        base64("{\"sub\":\"" + owner + "\",\"iat\":" + now + ",\"exp\":" + (now + 600) + "}");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] signature = mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header
        + "."
        + claims
        + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
  }

  private static String base64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
