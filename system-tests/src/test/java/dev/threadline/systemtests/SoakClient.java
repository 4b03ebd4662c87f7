package dev.threadline.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A client of one run as a browser tab behaves under chaos: it follows the thread ({@code
 * ?follow=true}) until the run's terminal event, and whenever its connection ends or is refused
 * (its functions instance died, a 503) it attaches again to another live instance with {@code
 * Last-Event-ID}. A {@link Mode#RECONNECTS} client also drops its connection on purpose after a few
 * chunks and resumes elsewhere. Every event of every connection is kept, in order, for {@link
 * ReplyAssembler}.
 */
final class SoakClient {

  enum Mode {
    /** Attaches a moment after the submit and follows the run to its end. */
    JOINS_LATE,
    /** Attaches at the submit and resumes with Last-Event-ID after a few chunks. */
    RECONNECTS
  }

  private static final Duration POLL = Duration.ofMillis(50);

  private final String threadId;
  private final String runId;
  private final Mode mode;
  private final Supplier<ApiClient> liveInstance;
  private final Random random;
  private final long submittedNanos;
  private final List<SseEvent> events = new ArrayList<>();
  private final StringBuilder transcript = new StringBuilder();
  private int connections;
  private long firstChunkNanos = -1;
  private boolean ended;
  private boolean arrivedAfterTheEnd;

  SoakClient(
      String threadId,
      String runId,
      Mode mode,
      Supplier<ApiClient> liveInstance,
      Random random,
      long submittedNanos) {
    this.threadId = threadId;
    this.runId = runId;
    this.mode = mode;
    this.liveInstance = liveInstance;
    this.random = random;
    this.submittedNanos = submittedNanos;
  }

  /** Follows the run until its terminal event or {@code deadlineNanos}; on its own thread. */
  void follow(long deadlineNanos) {
    if (mode == Mode.JOINS_LATE) {
      LockSupport.parkNanos(Duration.ofMillis(random.nextInt(1500)).toNanos()); // joins late
      // a follower that arrives after the run ended waits for the next run, as it should: there
      // is nothing of this run left to check on the stream (GET thread shows the message)
      String status;
      try {
        status = liveInstance.get().run(threadId, runId).path("status").asText();
      } catch (RuntimeException | AssertionError instanceGone) {
        status = "unknown"; // its instance died under the request: attach and see
      }
      if (!List.of("queued", "running", "unknown").contains(status)) {
        arrivedAfterTheEnd = true;
        ended = true;
        return;
      }
    }
    int dropAfterChunks = mode == Mode.RECONNECTS ? 1 + random.nextInt(8) : Integer.MAX_VALUE;
    while (!ended && System.nanoTime() < deadlineNanos) {
      String lastEventId = lastEventId();
      ApiClient instance = liveInstance.get();
      long attachedNanos = System.nanoTime();
      SseClient connection = SseClient.attach(instance, threadId, lastEventId, true);
      connections++;
      boolean dropped = false;
      while (System.nanoTime() < deadlineNanos) {
        if (connection.ended() || (connection.status() != 0 && connection.status() != 200)) {
          break;
        }
        List<SseEvent> sofar = connection.events();
        int chunks = chunksOfRun(sofar);
        if (firstChunkNanos < 0 && chunks > 0) {
          firstChunkNanos = System.nanoTime(); // within one poll of its arrival
        }
        if (sawTerminal(sofar)) {
          break;
        }
        if (!dropped && chunks >= dropAfterChunks) {
          dropped = true;
          dropAfterChunks = Integer.MAX_VALUE; // once
          break;
        }
        LockSupport.parkNanos(POLL.toNanos());
      }
      connection.disconnect();
      events.addAll(connection.events());
      describe(instance, lastEventId, attachedNanos, connection);
      connection.close();
      ended = sawTerminal(events);
      if (!ended && !dropped) {
        LockSupport.parkNanos(Duration.ofMillis(100 + random.nextInt(200)).toNanos()); // backoff
      }
    }
  }

  private boolean sawTerminal(List<SseEvent> received) {
    for (SseEvent event : received) {
      if (runId.equals(event.runId())
          && (event.is("done")
              || event.is("cancelled")
              || (event.is("error") && !event.json().path("retryable").asBoolean(false)))) {
        return true;
      }
    }
    return false;
  }

  private int chunksOfRun(List<SseEvent> received) {
    int chunks = 0;
    for (SseEvent event : received) {
      if (event.is("chunk") && runId.equals(event.runId())) {
        chunks++;
      }
    }
    return chunks;
  }

  private String lastEventId() {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).id() != null) {
        return events.get(i).id();
      }
    }
    return null;
  }

  String threadId() {
    return threadId;
  }

  String runId() {
    return runId;
  }

  Mode mode() {
    return mode;
  }

  boolean ended() {
    return ended;
  }

  /** A late joiner whose run had ended before it attached: its stream shows nothing to check. */
  boolean arrivedAfterTheEnd() {
    return arrivedAfterTheEnd;
  }

  private void describe(
      ApiClient instance, String lastEventId, long attachedNanos, SseClient connection) {
    transcript
        .append("\n    connection ")
        .append(connections)
        .append(" to ")
        .append(instance.baseUrl())
        .append(" at +")
        .append((attachedNanos - submittedNanos) / 1_000_000)
        .append(" ms, Last-Event-ID ")
        .append(lastEventId)
        .append(", status ")
        .append(connection.status())
        .append(":");
    for (SseEvent event : connection.events()) {
      transcript.append(' ').append(event.id()).append('/').append(event.type());
      if (event.data() != null && event.data().startsWith("{")) {
        var json = event.json();
        transcript
            .append('/')
            .append(json.path("runId").asText("-").substring(0, 8))
            .append("e")
            .append(json.path("epoch").asText("?"));
        if (json.has("index")) {
          transcript.append('#').append(json.path("index").asInt());
        }
      }
    }
  }

  /** Every connection of this client with its events (id/type/run/epoch#index), for a report. */
  String transcript() {
    return transcript.toString();
  }

  int connections() {
    return connections;
  }

  List<SseEvent> events() {
    return events;
  }

  /** Microseconds from the submit to this client's first chunk of the run, or -1. */
  long submitToFirstChunkMicros() {
    return firstChunkNanos < 0 ? -1 : (firstChunkNanos - submittedNanos) / 1000;
  }

  @Override
  public String toString() {
    return mode + " client of run " + runId + " on thread " + threadId;
  }
}
