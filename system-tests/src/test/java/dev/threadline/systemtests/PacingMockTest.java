package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our own test tool, checked from outside as the relay will use it: OpenAI chunks, paced and
 * flushed.
 */
@Tag("processes")
@Timeout(120)
class PacingMockTest {

  private static PacingMockProcess mock;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void startMock() {
    mock = PacingMockProcess.start(5, 10);
  }

  @AfterAll
  static void stopMock() {
    if (mock != null) {
      mock.close();
    }
  }

  @Test
  void streamsTheDirectedNumberOfChunksEachFlushedAfterTheDirectedDelay() {
    SseClient stream =
        SseClient.open(
                completion("Tell me about café ☕ and \"quotes\" [chunks=12 delay=60ms]", Map.of()))
            .awaitAttached(Duration.ofSeconds(10))
            .awaitEnd(Duration.ofSeconds(20));

    List<SseEvent> events = stream.events();
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    List<JsonNode> chunks =
        events.subList(0, events.size() - 1).stream().map(SseEvent::json).toList();
    assertThat(chunks)
        .allSatisfy(
            chunk -> {
              assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
              assertThat(chunk.path("id").asText()).startsWith("chatcmpl-");
              assertThat(chunk.path("model").asText()).isEqualTo("test-model");
            });
    assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
        .isEqualTo("stop");
    List<SseEvent> content =
        events.stream()
            .filter(
                e ->
                    !e.data().equals("[DONE]")
                        && !e.json().at("/choices/0/delta/content").asText("").isEmpty())
            .toList();
    assertThat(content).hasSize(12);
    String text =
        String.join(
            "",
            content.stream().map(e -> e.json().at("/choices/0/delta/content").asText()).toList());
    assertThat(text)
        .isEqualTo(PacingMockProcess.expectedReply("Tell me about café ☕ and \"quotes\"", 12));
    // flushed one by one: the content arrived spread over about 11 delays, not in one burst
    long spreadMillis =
        (content.get(11).receivedNanos() - content.get(0).receivedNanos()) / 1_000_000;
    assertThat(spreadMillis).isBetween(11 * 60L - 100, 11 * 60L + 1500);
  }

  @Test
  void headersChooseChunksAndDelayWhenTheMessageHasNoDirectives() {
    SseClient stream =
        SseClient.open(completion("plain", Map.of("X-Mock-Chunks", "3", "X-Mock-Delay-Ms", "0")))
            .awaitEnd(Duration.ofSeconds(10));

    assertThat(stream.events()).hasSize(1 + 3 + 1 + 1); // role, content, stop, [DONE]
  }

  @Test
  void theFlagsDefaultsApplyWithoutDirectivesOrHeaders() {
    SseClient stream =
        SseClient.open(completion("defaults", Map.of())).awaitEnd(Duration.ofSeconds(10));

    assertThat(stream.events()).hasSize(1 + 5 + 1 + 1);
  }

  @Test
  void failsAsDirectedWithRetryAfterOnlyTheFirstTimes() throws Exception {
    String message =
        "flaky " + System.nanoTime() + " [status=429 retry-after=1 times=2 chunks=2 delay=0]";

    HttpResponse<String> first =
        http.send(completion(message, Map.of()), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second =
        http.send(completion(message, Map.of()), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> third =
        http.send(completion(message, Map.of()), HttpResponse.BodyHandlers.ofString());

    assertThat(first.statusCode()).isEqualTo(429);
    assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(ApiClient.JSON.readTree(first.body()).at("/error/message").asText()).isNotEmpty();
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(third.statusCode()).isEqualTo(200);
    assertThat(third.body()).contains("Echo: flaky").endsWith("data: [DONE]\n\n");
  }

  @Test
  void aServerErrorWithoutTimesFailsEveryTime() throws Exception {
    for (int i = 0; i < 2; i++) {
      assertThat(
              http.send(
                      completion("always [status=500]", Map.of()),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(500);
    }
  }

  @Test
  void dropsTheConnectionMidStreamWhenDirected() {
    assertThatThrownBy(
            () ->
                http.send(
                    completion("cut [chunks=10 delay=0 drop-after=4]", Map.of()),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void answersWithoutStreamingWhenStreamIsFalse() throws Exception {
    ObjectNode body = request("whole [chunks=3]");
    body.put("stream", false);
    HttpResponse<String> response =
        http.send(post(body, Map.of()), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ApiClient.JSON.readTree(response.body()).at("/choices/0/message/content").asText())
        .isEqualTo(PacingMockProcess.expectedReply("whole", 3));
  }

  @Test
  void aClientThatLeavesMidStreamIsNoticedAndTheRequestIsListed() {
    String message = "leaving " + System.nanoTime() + " [chunks=100 delay=50ms]";
    SseClient stream = SseClient.open(completion(message, Map.of()));
    stream.awaitEvent("3 events", e -> stream.events().size() >= 3, Duration.ofSeconds(10));

    stream.disconnect();

    org.awaitility.Awaitility.await("the mock notices the client left")
        .atMost(Duration.ofSeconds(10))
        .until(() -> mock.process().logText().contains("client left"));
    assertThat(mock.requests())
        .anySatisfy(r -> assertThat(r.path("lastUserMessage").asText()).isEqualTo(message));
  }

  @Test
  void answersHealth() throws Exception {
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mock.port() + "/health"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(health.statusCode()).isEqualTo(200);
  }

  private HttpRequest completion(String lastUserMessage, Map<String, String> headers) {
    return post(request(lastUserMessage), headers);
  }

  private static ObjectNode request(String lastUserMessage) {
    ObjectNode body =
        ApiClient.JSON.createObjectNode().put("model", "test-model").put("stream", true);
    body.putArray("messages")
        .add(
            ApiClient.JSON
                .createObjectNode()
                .put("role", "user")
                .put("content", "an earlier question"))
        .add(
            ApiClient.JSON
                .createObjectNode()
                .put("role", "assistant")
                .put("content", "an earlier answer"))
        .add(ApiClient.JSON.createObjectNode().put("role", "user").put("content", lastUserMessage));
    return body;
  }

  private HttpRequest post(ObjectNode body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/chat/completions"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer test")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);
    return request.build();
  }
}
