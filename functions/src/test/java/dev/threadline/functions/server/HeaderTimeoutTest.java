package dev.threadline.functions.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** THREADLINE_HEADER_TIMEOUT: request heads that do not complete in time lose their connection. */
@MicronautTest
class HeaderTimeoutTest extends ApiTestBase {

  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final Duration PATIENCE = Duration.ofSeconds(5);

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("threadline.header-timeout", TIMEOUT.toMillis() + "ms");
    return properties;
  }

  private Socket connect() throws IOException {
    return new Socket(server.getHost(), server.getPort());
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads until the server closes; the time that took, or null if it kept the connection open. */
  private static Duration closedAfter(Socket socket, long startNanos, Duration patience)
      throws IOException {
    socket.setSoTimeout(50);
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[4096];
    while (System.nanoTime() - startNanos < patience.toNanos()) {
      try {
        if (in.read(buffer) < 0) {
          return Duration.ofNanos(System.nanoTime() - startNanos);
        }
      } catch (SocketTimeoutException e) {
        // nothing yet
      } catch (IOException e) {
        return Duration.ofNanos(System.nanoTime() - startNanos); // reset by the server
      }
    }
    return null;
  }

  @Test
  void halfARequestLineIsClosedAfterTheHeaderTimeout() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      send(socket, "GET /health HTT");

      Duration closed = closedAfter(socket, start, PATIENCE);

      assertThat(closed).as("closed by the server").isNotNull();
      assertThat(closed).isBetween(TIMEOUT.minusMillis(100), TIMEOUT.plusSeconds(2));
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() throws IOException {
    try (Socket socket = connect()) {
      Duration closed = closedAfter(socket, System.nanoTime(), PATIENCE);

      assertThat(closed).as("closed by the server").isNotNull();
    }
  }

  @Test
  void headersTrickledByteByByteAreCutAtTheTimeoutThoughBytesKeepComing() throws IOException {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      send(socket, "GET /health HTTP/1.1\r\nHost: x\r\n");
      Duration closed = null;
      for (int i = 0; i < 50 && closed == null; i++) {
        try {
          send(socket, "X-Slow-" + i + ": y\r\n");
        } catch (IOException e) {
          closed = Duration.ofNanos(System.nanoTime() - start);
          break;
        }
        closed = closedAfter(socket, System.nanoTime(), Duration.ofMillis(100));
        if (closed != null) {
          closed = Duration.ofNanos(System.nanoTime() - start);
        }
      }

      assertThat(closed).as("closed by the server while headers still trickled in").isNotNull();
      assertThat(closed).isLessThan(TIMEOUT.plusSeconds(2));
    }
  }

  @Test
  void aKeepAliveConnectionIdleBetweenRequestsIsNotCutByTheHeaderTimeout() throws IOException {
    try (Socket socket = connect()) {
      String request = "GET /health/liveness HTTP/1.1\r\nHost: x\r\n\r\n";
      send(socket, request);
      assertThat(readSome(socket, Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");

      // idle for three timeouts: no bytes come and the connection stays open
      assertThat(closedAfter(socket, System.nanoTime(), TIMEOUT.multipliedBy(3))).isNull();

      send(socket, request);
      assertThat(readSome(socket, Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void anSseStreamLastsFarBeyondTheHeaderTimeout() throws IOException {
    String thread = createThread("sam");
    try (Socket socket = connect()) {
      send(
          socket,
          "GET /v1/threads/"
              + thread
              + "/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer "
              + TestTokens.forOwner("sam")
              + "\r\n\r\n");
      assertThat(readSome(socket, Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");

      long start = System.nanoTime();
      StringBuilder received = new StringBuilder();
      socket.setSoTimeout(50);
      byte[] buffer = new byte[4096];
      while (System.nanoTime() - start < TIMEOUT.multipliedBy(5).toNanos()) {
        try {
          int read = socket.getInputStream().read(buffer);
          assertThat(read).as("the stream is still open").isPositive();
          received.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
          // between pings
        }
      }
      assertThat(received.toString()).contains(": ping");
    }
  }

  private static String readSome(Socket socket, Duration patience) throws IOException {
    socket.setSoTimeout((int) patience.toMillis());
    byte[] buffer = new byte[8192];
    int read = socket.getInputStream().read(buffer);
    return read < 0 ? "" : new String(buffer, 0, read, StandardCharsets.UTF_8);
  }
}
