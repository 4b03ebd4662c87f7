package dev.threadline.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One server-sent event as it arrived: {@code id} may be null, {@code type} defaults to "message",
 * {@code receivedNanos} is {@link System#nanoTime()} when its closing blank line was read.
 */
record SseEvent(String id, String type, String data, long receivedNanos) {

  SseEvent(String id, String type, String data) {
    this(id, type, data, System.nanoTime());
  }

  JsonNode json() {
    try {
      return ApiClient.JSON.readTree(data);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "event " + id + " (" + type + ") data is not JSON: " + data, e);
    }
  }

  String runId() {
    return json().path("runId").asText(null);
  }

  boolean is(String wanted) {
    return wanted.equals(type);
  }
}
