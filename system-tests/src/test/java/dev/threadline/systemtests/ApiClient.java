package dev.threadline.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Threadline's HTTP API as one owner sees it through one functions instance. */
final class ApiClient {

  static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final String token;
  private final HttpClient http;

  ApiClient(String baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  String baseUrl() {
    return baseUrl;
  }

  String token() {
    return token;
  }

  /** The same owner on another instance. */
  ApiClient on(String otherBaseUrl) {
    return new ApiClient(otherBaseUrl, token);
  }

  /** POST /v1/threads with no id: the new thread's id. */
  String createThread() {
    return send("POST", "/v1/threads", JSON.createObjectNode(), Map.of())
        .expect(201)
        .json()
        .path("id")
        .asText();
  }

  JsonNode thread(String threadId) {
    return send("GET", "/v1/threads/" + threadId, null, Map.of()).expect(200).json();
  }

  /** POST a user message; the accepted run ({@code runId}, {@code threadId}, {@code status}). */
  JsonNode postMessage(String threadId, String content) {
    ObjectNode body = JSON.createObjectNode().put("content", content);
    return send("POST", "/v1/threads/" + threadId + "/messages", body, Map.of()).expect(202).json();
  }

  JsonNode run(String threadId, String runId) {
    return send("GET", "/v1/threads/" + threadId + "/runs/" + runId, null, Map.of())
        .expect(200)
        .json();
  }

  /** The assistant message a run produced, from GET thread; fails if there is none. */
  JsonNode assistantMessageOf(String threadId, String runId) {
    for (JsonNode message : thread(threadId).path("messages")) {
      if ("assistant".equals(message.path("role").asText())
          && runId.equals(message.path("runId").asText())) {
        return message;
      }
    }
    throw new AssertionError(
        "thread "
            + threadId
            + " has no assistant message of run "
            + runId
            + ": "
            + thread(threadId).toPrettyString());
  }

  Response send(String method, String path, JsonNode body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(
          method + " " + path, response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + baseUrl + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + method + " " + path, e);
    }
  }

  record Response(String request, int status, String body, HttpHeaders headers) {

    Response expect(int expected) {
      if (status != expected) {
        throw new AssertionError(
            request + ": expected " + expected + " but got " + status + ": " + body);
      }
      return this;
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError(request + ": body is not JSON: " + body, e);
      }
    }
  }
}
