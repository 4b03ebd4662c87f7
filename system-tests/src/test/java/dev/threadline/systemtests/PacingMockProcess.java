package dev.threadline.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code local-stack/pacing-mock/PacingMock.java} as a process: the OpenAI streaming API the relay
 * calls in system tests, with a deterministic reply ("Echo: <first 40 chars>" then " w1", " w2"…).
 */
final class PacingMockProcess implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JarProcess process;
  private final int port;

  private PacingMockProcess(JarProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /** A mock whose default reply has {@code chunks} chunks, each after {@code delayMs}. */
  static PacingMockProcess start(int chunks, long delayMs) {
    int port = FreePort.next();
    JarProcess process =
        JarProcess.startJava(
            "pacing-mock-" + port,
            List.of(
                Repository.current().pacingMockSource().toString(),
                "--port",
                String.valueOf(port),
                "--chunks",
                String.valueOf(chunks),
                "--delay-ms",
                String.valueOf(delayMs)),
            Map.of());
    try {
      process.awaitHealthy(port, Duration.ofSeconds(30));
    } catch (RuntimeException | AssertionError e) {
      process.close();
      throw e;
    }
    return new PacingMockProcess(process, port);
  }

  int port() {
    return port;
  }

  /** What OPENAI_BASE_URL must be for the relay to call this mock. */
  String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1";
  }

  /**
   * The reply the mock streams for {@code chunks} chunks and this echo (directives removed, 40
   * chars).
   */
  static String expectedReply(String echo, int chunks) {
    StringBuilder reply = new StringBuilder();
    for (int i = 0; i < chunks; i++) {
      reply.append(i == 0 ? "Echo: " + echo : " w" + i);
    }
    return reply.toString();
  }

  /**
   * The completions it was asked for, oldest first (seq, lastUserMessage, stream, chunks, delayMs,
   * status).
   */
  List<JsonNode> requests() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/requests")).build();
    try {
      String body =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .build()
              .send(request, HttpResponse.BodyHandlers.ofString())
              .body();
      List<JsonNode> requests = new ArrayList<>();
      JSON.readTree(body).forEach(requests::add);
      return requests;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the pacing mock's requests", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  JarProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.close();
  }
}
