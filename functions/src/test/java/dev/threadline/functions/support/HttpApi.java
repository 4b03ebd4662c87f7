package dev.threadline.functions.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Raw HTTP against the embedded server: any status, any header, any body. */
public final class HttpApi {

  private final URI base;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public HttpApi(URI base) {
    this.base = base;
  }

  public URI uri(String path) {
    return base.resolve(path);
  }

  public HttpClient client() {
    return client;
  }

  public HttpResponse<String> get(String path, String token) {
    return send(request(path, token).GET().build());
  }

  public HttpResponse<String> delete(String path, String token) {
    return send(request(path, token).DELETE().build());
  }

  public HttpResponse<String> postJson(String path, String token, String json) {
    return postJson(path, token, json, Map.of());
  }

  public HttpResponse<String> postJson(
      String path, String token, String json, Map<String, String> headers) {
    HttpRequest.Builder builder =
        request(path, token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(builder::header);
    return send(builder.build());
  }

  public HttpResponse<String> post(String path, String token, String contentType, byte[] body) {
    HttpRequest.Builder builder =
        request(path, token).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    return send(builder.build());
  }

  public HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
