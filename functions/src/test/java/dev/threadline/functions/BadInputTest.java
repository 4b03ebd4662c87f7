package dev.threadline.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input of contract 4: a problem naming the field, and not one row written. */
@MicronautTest
class BadInputTest extends ApiTestBase {

  private static final String OWNER = "carol";
  private final String token = TestTokens.forOwner(OWNER);
  private String thread;

  @BeforeAll
  void aThreadToPostTo() {
    thread = createThread(OWNER);
  }

  static Stream<Arguments> badThreadBodies() {
    return Stream.of(
        Arguments.of("{\"id\":", "body"),
        Arguments.of("not json", "body"),
        Arguments.of("[1,2]", "body"),
        Arguments.of("\"a string\"", "body"),
        Arguments.of("{\"id\":123}", "id"),
        Arguments.of("{\"id\":true}", "id"),
        Arguments.of("{\"id\":\"\"}", "id"),
        Arguments.of("{\"id\":\"a.b\"}", "id"),
        Arguments.of("{\"id\":\"a*\"}", "id"),
        Arguments.of("{\"id\":\"a>\"}", "id"),
        Arguments.of("{\"id\":\"a b\"}", "id"),
        Arguments.of("{\"id\":\"" + "x".repeat(65) + "\"}", "id"),
        Arguments.of("{\"title\":42}", "title"),
        Arguments.of("{\"title\":\"" + "t".repeat(201) + "\"}", "title"),
        Arguments.of("{\"title\":\"a\\u0000b\"}", "title"),
        Arguments.of("{\"title\":\"bell\\u0007\"}", "title"),
        Arguments.of("{\"id\":\"a\\u0000b\"}", "id"));
  }

  @ParameterizedTest
  @MethodSource("badThreadBodies")
  void aBadThreadBodyIs400NamingTheFieldAndWritesNothing(String body, String field) {
    Map<String, Long> before = rowCounts();
    assertProblem(api.postJson("/v1/threads", token, body), 400, field);
    assertThat(rowCounts()).isEqualTo(before);
  }

  static Stream<Arguments> badMessageBodies() {
    return Stream.of(
        Arguments.of("{\"content\":", "body"),
        Arguments.of("[]", "body"),
        Arguments.of("", "content"),
        Arguments.of("{}", "content"),
        Arguments.of("{\"content\":null}", "content"),
        Arguments.of("{\"content\":42}", "content"),
        Arguments.of("{\"content\":{\"text\":\"hi\"}}", "content"),
        Arguments.of("{\"content\":\"\"}", "content"),
        Arguments.of("{\"content\":\"" + "é".repeat(16385) + "\"}", "content"),
        Arguments.of("{\"content\":\"hi\",\"model\":7}", "model"),
        Arguments.of("{\"content\":\"hi\",\"model\":\"\"}", "model"),
        Arguments.of("{\"content\":\"hi\",\"model\":\"bad model!\"}", "model"),
        Arguments.of("{\"content\":\"hi\",\"retryable\":\"false\"}", "retryable"),
        Arguments.of("{\"content\":\"hi\",\"retryable\":0}", "retryable"),
        Arguments.of("{\"content\":\"hi\",\"retryable\":[true]}", "retryable"),
        Arguments.of("{\"content\":\"a\\u0000b\"}", "content"),
        Arguments.of("{\"content\":\"escape \\u001b[31m\"}", "content"),
        Arguments.of("{\"content\":\"delete \\u007f\"}", "content"),
        Arguments.of("{\"content\":\"c1 \\u009b\"}", "content"),
        Arguments.of("{\"content\":\"half \\ud83d\"}", "content"),
        Arguments.of("{\"content\":\"hi\",\"model\":\"gpt\\u0000\"}", "model"));
  }

  @ParameterizedTest
  @MethodSource("badMessageBodies")
  void aBadMessageBodyIs400NamingTheFieldAndWritesNothing(String body, String field) {
    Map<String, Long> before = rowCounts();
    assertProblem(api.postJson("/v1/threads/" + thread + "/messages", token, body), 400, field);
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void contentOfExactly32KiBIsAccepted() {
    String content = "é".repeat(16384);
    assertThat(content.getBytes(StandardCharsets.UTF_8)).hasSize(32768);
    assertThat(
            api.postJson(
                    "/v1/threads/" + thread + "/messages",
                    token,
                    "{\"content\":\"" + content + "\"}")
                .statusCode())
        .isEqualTo(202);
  }

  @Test
  void tabCarriageReturnLineFeedAndEmojiAreAcceptedInContentAndTitle() {
    HttpResponse<String> created =
        api.postJson(
            "/v1/threads",
            token,
            "{\"id\":\"" + uniqueId("tabs") + "\",\"title\":\"a\\tb\\r\\nc \\ud83d\\ude00\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(read(created.body()).get("title").getStringValue())
        .isEqualTo("a\tb\r\nc \ud83d\ude00");
    HttpResponse<String> submitted =
        api.postJson(
            "/v1/threads/" + thread + "/messages",
            token,
            "{\"content\":\"line 1\\r\\n\\tline 2 \\ud83d\\ude00\"}");
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
  }

  @Test
  void anOverLongIdempotencyKeyIs400AndWritesNothing() {
    Map<String, Long> before = rowCounts();
    assertProblem(
        api.postJson(
            "/v1/threads/" + thread + "/messages",
            token,
            "{\"content\":\"hi\"}",
            Map.of("Idempotency-Key", "k".repeat(256))),
        400,
        "Idempotency-Key");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aBodyOver64KiBIs413AndWritesNothing() {
    Map<String, Long> before = rowCounts();
    String huge = "{\"content\":\"" + "x".repeat(70_000) + "\"}";
    assertProblem(api.postJson("/v1/threads/" + thread + "/messages", token, huge), 413, "body");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aThreadBodyOver64KiBIs413AndOneThatIsNotJsonIs415() {
    Map<String, Long> before = rowCounts();
    String huge = "{\"title\":\"" + "x".repeat(70_000) + "\"}";
    assertProblem(api.postJson("/v1/threads", token, huge), 413, "body");
    assertProblem(
        api.post(
            "/v1/threads",
            token,
            "text/plain",
            "{\"title\":\"t\"}".getBytes(StandardCharsets.UTF_8)),
        415,
        "Content-Type");
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aBodyThatIsNotJsonByContentTypeIs415AndWritesNothing() {
    Map<String, Long> before = rowCounts();
    HttpResponse<String> response =
        api.post(
            "/v1/threads/" + thread + "/messages",
            token,
            "text/plain",
            "{\"content\":\"hi\"}".getBytes(StandardCharsets.UTF_8));
    assertProblem(response, 415, "Content-Type");
    assertThat(rowCounts()).isEqualTo(before);
  }

  static Stream<Arguments> badPathIds() {
    return Stream.of(
        Arguments.of("GET", "/v1/threads/a.b", "threadId"),
        Arguments.of("GET", "/v1/threads/a%20b", "threadId"),
        Arguments.of("GET", "/v1/threads/a%00b", "threadId"),
        Arguments.of("POST", "/v1/threads/a%00b/messages", "threadId"),
        Arguments.of("GET", "/v1/threads/ok/runs/a%00b", "runId"),
        Arguments.of("GET", "/v1/threads/" + "x".repeat(65), "threadId"),
        Arguments.of("POST", "/v1/threads/a.b/messages", "threadId"),
        Arguments.of("GET", "/v1/threads/a*/stream", "threadId"),
        Arguments.of("GET", "/v1/threads/ok/runs/a.b", "runId"),
        Arguments.of("POST", "/v1/threads/ok/runs/a.b/cancel", "runId"));
  }

  @ParameterizedTest
  @MethodSource("badPathIds")
  void aPathIdOutsideItsPatternIs400NamingIt(String method, String path, String field) {
    Map<String, Long> before = rowCounts();
    HttpResponse<String> response =
        method.equals("GET")
            ? api.get(path, token)
            : api.postJson(path, token, "{\"content\":\"hi\"}");
    assertProblem(response, 400, field);
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aLastEventIdThatIsNotASequenceIs400() {
    HttpResponse<String> response =
        api.send(
            api.request("/v1/threads/" + thread + "/stream", token)
                .header("Last-Event-ID", "abc")
                .GET()
                .build());
    assertProblem(response, 400, "Last-Event-ID");
  }
}
