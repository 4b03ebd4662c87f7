package dev.threadline.relay.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A model provider on the JDK's HTTP server that answers each request by a prompt its body
 * contains, and records the bodies: enough for a relay test that needs one canned answer (the
 * OpenAI client's own contract tests exercise real HTTP behaviour against MockServer).
 */
public final class CannedProvider implements AutoCloseable {

  /** What the provider answers to a request whose body contains the prompt. */
  public record Answer(int status, String contentType, String body) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  private CannedProvider(HttpServer server) {
    this.server = server;
  }

  public static CannedProvider start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      CannedProvider provider = new CannedProvider(server);
      server.createContext("/", exchange -> provider.answer(exchange));
      server.start();
      return provider;
    } catch (IOException e) {
      throw new IllegalStateException("starting the canned provider", e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** From now on, a request whose body contains {@code prompt} gets {@code answer}. */
  public void answer(String prompt, Answer answer) {
    answers.put(prompt, answer);
  }

  /** The bodies of the requests received that contain {@code text}. */
  public List<String> requestsContaining(String text) {
    return bodies.stream().filter(body -> body.contains(text)).toList();
  }

  private void answer(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    bodies.add(body);
    Answer answer =
        answers.entrySet().stream()
            .filter(entry -> body.contains(entry.getKey()))
            .map(Map.Entry::getValue)
            .findFirst()
            .orElse(new Answer(404, "text/plain", "no canned answer"));
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
