package dev.threadline.systemtests;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A raw SSE client over java.net.http, as a browser's EventSource would be: records every event
 * (id, type, data) in arrival order, can disconnect mid-stream, and can resume with Last-Event-ID.
 * Lines are parsed on the HTTP client's thread as they arrive; tests wait with Awaitility.
 */
final class SseClient implements AutoCloseable {

  private final String description;
  private final List<SseEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> rawLines = new CopyOnWriteArrayList<>();
  private final AtomicInteger comments = new AtomicInteger();
  private volatile int status;
  private volatile boolean ended;
  private volatile Throwable failure;
  private volatile Flow.Subscription subscription;
  private volatile boolean disconnected;

  // the event being read; touched only on the delivering thread
  private String id;
  private String type;
  private final List<String> data = new ArrayList<>();

  /**
   * One client for every stream of the test JVM (one selector thread, not one per connection); each
   * stream still gets a connection of its own.
   */
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private SseClient(String description) {
    this.description = description;
  }

  /** {@code GET <baseUrl>/v1/threads/<threadId>/stream}, following the run it attaches to. */
  static SseClient attach(ApiClient api, String threadId) {
    return attach(api, threadId, null, false);
  }

  /**
   * @param lastEventId sent as {@code Last-Event-ID} when not null; @param follow adds ?follow=true
   */
  static SseClient attach(ApiClient api, String threadId, String lastEventId, boolean follow) {
    String url =
        api.baseUrl() + "/v1/threads/" + threadId + "/stream" + (follow ? "?follow=true" : "");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + api.token())
            .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    SseClient client = new SseClient(url + (lastEventId == null ? "" : " after " + lastEventId));
    client.connect(request.build());
    return client;
  }

  /** Any text/event-stream resource, e.g. the pacing mock's completions (POST with a body). */
  static SseClient open(HttpRequest request) {
    SseClient client = new SseClient(request.method() + " " + request.uri());
    client.connect(request);
    return client;
  }

  private void connect(HttpRequest request) {
    HTTP.sendAsync(
            request,
            info -> {
              status = info.statusCode();
              return HttpResponse.BodySubscribers.fromLineSubscriber(new LineSubscriber());
            })
        .whenComplete(
            (response, error) -> {
              if (error != null && !disconnected) {
                failure = error;
              }
              ended = true;
            });
  }

  private final class LineSubscriber implements Flow.Subscriber<String> {
    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (disconnected) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(String line) {
      synchronized (SseClient.this) {
        if (disconnected) {
          return; // a cancelled subscription may still deliver what was in flight: the client is
          // gone
        }
        rawLines.add(line);
        readLine(line);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      if (!disconnected) {
        failure = throwable;
      }
      ended = true;
    }

    @Override
    public void onComplete() {
      ended = true;
    }
  }

  private void readLine(String line) {
    if (line.isEmpty()) {
      if (!data.isEmpty()) {
        events.add(new SseEvent(id, type == null ? "message" : type, String.join("\n", data)));
      }
      id = null;
      type = null;
      data.clear();
      return;
    }
    if (line.startsWith(":")) {
      comments.incrementAndGet();
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "id" -> id = value;
      case "event" -> type = value;
      case "data" -> data.add(value);
      default -> {} // "retry" and unknown fields are ignored, as by EventSource
    }
  }

  /**
   * Closes the connection as a client that goes away would. Nothing is recorded after it returns
   * (the HTTP client's pending response never completes after a cancel, so this marks the end).
   */
  synchronized void disconnect() {
    disconnected = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    ended = true;
  }

  /** The HTTP status, once the response headers arrived; 0 before. */
  int status() {
    return status;
  }

  List<SseEvent> events() {
    return List.copyOf(events);
  }

  List<SseEvent> events(String type) {
    return events.stream().filter(e -> e.is(type)).toList();
  }

  List<String> rawLines() {
    return List.copyOf(rawLines);
  }

  int comments() {
    return comments.get();
  }

  /** The id of the last event received that had one, for a resume. */
  String lastEventId() {
    String last = null;
    for (SseEvent event : events) {
      if (event.id() != null) {
        last = event.id();
      }
    }
    return last;
  }

  boolean ended() {
    return ended;
  }

  Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** Waits for the response headers and checks the status is 200. */
  SseClient awaitAttached(Duration timeout) {
    await(description + " attached").atMost(timeout).until(() -> status != 0 || ended);
    if (status != 200) {
      throw new AssertionError(
          description + ": status " + status + ", body " + rawLines + ", failure " + failure);
    }
    return this;
  }

  /** Waits for an event matching {@code condition} and returns the first one. */
  SseEvent awaitEvent(String what, Predicate<SseEvent> condition, Duration timeout) {
    await(description + ": " + what)
        .atMost(timeout)
        .failFast(
            description + " ended before " + what + "; events " + events,
            () -> ended && events.stream().noneMatch(condition))
        .until(() -> events.stream().anyMatch(condition));
    return events.stream().filter(condition).findFirst().orElseThrow();
  }

  /** Waits until {@code count} chunk events arrived. */
  SseClient awaitChunks(int count, Duration timeout) {
    await(description + ": " + count + " chunks")
        .atMost(timeout)
        .failFast(description + " ended before " + count + " chunks; events " + events, () -> ended)
        .until(() -> events("chunk").size() >= count);
    return this;
  }

  /** Waits until the server ends the stream; fails on a transport error. */
  SseClient awaitEnd(Duration timeout) {
    try {
      await(description + " ended by the server").atMost(timeout).until(() -> ended);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          description
              + " still open after "
              + timeout
              + ": "
              + events.size()
              + " events (last "
              + (events.isEmpty() ? "none" : events.get(events.size() - 1))
              + "), "
              + comments.get()
              + " comment lines",
          e);
    }
    if (failure != null) {
      throw new AssertionError(description + " failed after " + events.size() + " events", failure);
    }
    return this;
  }

  @Override
  public void close() {
    disconnect();
  }

  @Override
  public String toString() {
    return description;
  }
}
