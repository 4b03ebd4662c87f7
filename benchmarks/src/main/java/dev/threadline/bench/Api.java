package dev.threadline.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The functions HTTP API as one owner sees it: create threads, submit messages. */
final class Api {

  private static final Pattern RUN_ID = Pattern.compile("\"runId\"\\s*:\\s*\"([0-9a-f-]{36})\"");

  private final HttpClient client;
  private final String token;

  Api(String jwtSecret, String owner) {
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newFixedThreadPool(4, daemon("api")))
            .build();
    this.token = jwt(jwtSecret, owner);
  }

  String token() {
    return token;
  }

  HttpClient client() {
    return client;
  }

  /** Creates a thread with a fresh id on {@code baseUrl}; its id. */
  String createThread(String baseUrl, String prefix) {
    String id = prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
    HttpResponse<String> response = send(post(baseUrl + "/v1/threads", "{\"id\":\"" + id + "\"}"));
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "creating thread: " + response.statusCode() + " " + response.body());
    }
    return id;
  }

  HttpRequest submitRequest(String baseUrl, String threadId, String content) {
    return post(
        baseUrl + "/v1/threads/" + threadId + "/messages",
        "{\"content\":\"" + content.replace("\"", "\\\"") + "\"}");
  }

  CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Submits and waits for the 202; the run id. */
  UUID submit(String baseUrl, String threadId, String content) {
    HttpResponse<String> response = send(submitRequest(baseUrl, threadId, content));
    UUID runId = runId(response);
    if (runId == null) {
      throw new IllegalStateException("submit: " + response.statusCode() + " " + response.body());
    }
    return runId;
  }

  /** The run id of a 202, or null for anything else. */
  static UUID runId(HttpResponse<String> response) {
    if (response.statusCode() != 202) {
      return null;
    }
    Matcher matcher = RUN_ID.matcher(response.body());
    return matcher.find() ? UUID.fromString(matcher.group(1)) : null;
  }

  HttpRequest.Builder authorized(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token);
  }

  private HttpRequest post(String url, String json) {
    return authorized(url)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An HS256 JWT valid for a day, as {@code local-stack/token} makes one. */
  static String jwt(String secret, String subject) {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    long now = Instant.now().getEpochSecond();
    String header =
        base64.encodeToString(
            "{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        base64.encodeToString(
            ("{\"sub\":\"" + subject + "\",\"iat\":" + now + ",\"exp\":" + (now + 86_400) + "}")
                .getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] signature = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.UTF_8));
      return header + "." + payload + "." + base64.encodeToString(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
