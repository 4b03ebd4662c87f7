package dev.threadline.bench;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * One SSE client of {@code GET /v1/threads/{id}/stream}, read asynchronously (no thread per client,
 * so a thousand fit): each event goes to the listener with the time it arrived.
 */
final class SseAttacher {

  /** Called on the HTTP client's threads, one event at a time per attacher. */
  interface Listener {
    void onEvent(String type, String data, long receivedEpochMicros);
  }

  private final CompletableFuture<Void> attached = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private volatile Flow.Subscription subscription;

  private SseAttacher() {}

  static SseAttacher attach(
      Api api, String baseUrl, String threadId, boolean follow, Listener listener) {
    SseAttacher attacher = new SseAttacher();
    HttpRequest request =
        api.authorized(
                baseUrl + "/v1/threads/" + threadId + "/stream" + (follow ? "?follow=true" : ""))
            .timeout(java.time.Duration.ofHours(1))
            .header("Accept", "text/event-stream")
            .build();
    api.client()
        .sendAsync(
            request, HttpResponse.BodyHandlers.fromLineSubscriber(attacher.new Lines(listener)))
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                attacher.attached.completeExceptionally(failure);
                attacher.ended.complete(null);
              } else if (response.statusCode() != 200) {
                attacher.attached.completeExceptionally(
                    new IllegalStateException("stream answered " + response.statusCode()));
              }
            });
    return attacher;
  }

  /** Completes once the first line (the contract's opening comment) arrived. */
  CompletableFuture<Void> attached() {
    return attached;
  }

  CompletableFuture<Void> ended() {
    return ended;
  }

  void close() {
    Flow.Subscription current = subscription;
    if (current != null) {
      current.cancel();
    }
    ended.complete(null);
  }

  static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  private final class Lines implements Flow.Subscriber<String> {
    private final Listener listener;
    private String type = "message";
    private final StringBuilder data = new StringBuilder();

    Lines(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      SseAttacher.this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      long now = epochMicros();
      attached.complete(null);
      if (line.isEmpty()) {
        if (data.length() > 0) {
          listener.onEvent(type, data.toString(), now);
        }
        type = "message";
        data.setLength(0);
      } else if (line.startsWith("event:")) {
        type = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).stripLeading());
      }
      // "id:" and ": comment" lines carry nothing measured
    }

    @Override
    public void onError(Throwable throwable) {
      attached.completeExceptionally(throwable);
      ended.complete(null);
    }

    @Override
    public void onComplete() {
      ended.complete(null);
    }
  }
}
