package dev.threadline.completion;

import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.mockserver.integration.ClientAndServer;
import org.mockserver.model.HttpResponse;

/**
 * MockServer playing an OpenAI-compatible provider, one server per test class, and a fresh client
 * per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MockProviderTest {

  static final String KEY = "sk-test-0123456789";
  static final String PATH = "/v1/chat/completions";
  static final CompletionRequest HELLO =
      new CompletionRequest(
          "gpt-test",
          List.of(
              new ChatMessage("user", "Hi"),
              new ChatMessage("assistant", "Hello! How can I help?"),
              new ChatMessage("user", "Say \"ok\" ✓")));

  ClientAndServer provider;
  OpenAiCompletionClient client;
  final List<String> deltas = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startProvider() {
    provider = ClientAndServer.startClientAndServer(0);
  }

  @AfterAll
  void stopProvider() {
    provider.stop();
  }

  @BeforeEach
  void newClient() {
    provider.reset();
    deltas.clear();
    client =
        new OpenAiCompletionClient(
            configuration(KEY, Duration.ofSeconds(5), Duration.ofSeconds(5)),
            ObjectMapper.getDefault());
  }

  @AfterEach
  void closeClient() {
    client.close();
  }

  /** Replaces this test's client with one for another configuration. */
  void reconfigure(OpenAiConfiguration config) {
    client.close();
    client = new OpenAiCompletionClient(config, ObjectMapper.getDefault());
  }

  /** The provider's configuration, with the given key (null: none) and timeouts. */
  OpenAiConfiguration configuration(String key, Duration idle, Duration headers) {
    return OpenAiConfiguration.of("http://127.0.0.1:" + provider.getPort() + "/v1/", key)
        .withTimeouts(Duration.ofSeconds(2), idle, headers);
  }

  void answer(HttpResponse response) {
    provider.when(request().withMethod("POST").withPath(PATH)).respond(response);
  }

  CompletionFailedException failure() {
    return catchThrowableOfType(
        () -> client.stream(HELLO, deltas::add, new AbortSignal()),
        CompletionFailedException.class);
  }

  static HttpResponse eventStream(String body) {
    return response()
        .withStatusCode(200)
        .withHeader("Content-Type", "text/event-stream; charset=utf-8")
        .withBody(body);
  }

  static String chunk(String delta, String finishReason) {
    return "data:"
        + " {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + finishReason
        + "}]}\n\n";
  }
}
