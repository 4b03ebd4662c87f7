package dev.threadline.functions.support;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reads a raw SSE response line by line, as a browser's EventSource would see it. */
public final class SseClient implements AutoCloseable {

  /** One dispatched SSE event. */
  public record SseEvent(String id, String event, String data) {}

  private static final String EOF = "\u0000EOF";

  private final HttpResponse<Stream<String>> response;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> comments = new ArrayList<>();
  private final Thread reader;
  private boolean ended;

  private SseClient(HttpResponse<Stream<String>> response) {
    this.response = response;
    this.reader =
        new Thread(
            () -> {
              try (Stream<String> body = response.body()) {
                body.forEach(lines::add);
              } catch (RuntimeException closed) {
                // closed by the test
              } finally {
                lines.add(EOF);
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  public static SseClient open(HttpApi api, String path, String token, String lastEventId) {
    HttpRequest.Builder request =
        api.request(path, token)
            .header("Accept", "text/event-stream")
            .timeout(Duration.ofMinutes(5));
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    try {
      return new SseClient(
          api.client().send(request.GET().build(), HttpResponse.BodyHandlers.ofLines()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<Stream<String>> response() {
    return response;
  }

  /** The next raw line, or null on timeout; {@link #EOF} never escapes: ended() tells. */
  public String nextLine(Duration timeout) {
    try {
      String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (EOF.equals(line)) {
        ended = true;
        lines.add(EOF);
        return null;
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The next event, skipping (and recording) comments; null on timeout or end of stream. */
  public SseEvent nextEvent(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String id = null;
    String event = null;
    StringBuilder data = null;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      String line = nextLine(Duration.ofNanos(left));
      if (line == null) {
        return null;
      }
      if (line.isEmpty()) {
        if (data != null) {
          return new SseEvent(id, event, data.toString());
        }
        continue;
      }
      if (line.startsWith(":")) {
        comments.add(line);
      } else if (line.startsWith("id: ")) {
        id = line.substring(4);
      } else if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data = data == null ? new StringBuilder() : data.append('\n');
        data.append(line.substring(6));
      } else {
        throw new AssertionError("unexpected SSE line: " + line);
      }
    }
  }

  /** Events until the stream ends (or the timeout passes). */
  public List<SseEvent> eventsUntilEnd(Duration timeout) {
    List<SseEvent> events = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      SseEvent next = nextEvent(Duration.ofNanos(deadline - System.nanoTime()));
      if (next == null) {
        break;
      }
      events.add(next);
    }
    return events;
  }

  public boolean ended(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended && System.nanoTime() < deadline) {
      String line = nextLine(Duration.ofMillis(100));
      if (line != null && line.startsWith(":")) {
        comments.add(line);
      }
    }
    return ended;
  }

  public List<String> comments() {
    return comments;
  }

  @Override
  public void close() {
    response.body().close();
    reader.interrupt();
  }
}
