package dev.threadline.bench;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * How many slow replies one relay works at once, and what that costs it: every run's reply takes
 * {@code chunks × delay} at the mock (20 s in the full run), all submitted at once to one relay.
 * Samples the number of running runs (PostgreSQL) and the relay's heap and live threads (its {@code
 * /prometheus}) while they run; a few SSE clients on sampled threads time each chunk from the
 * mock's stamp to the client, to compare with the same reply at low concurrency.
 */
final class RelayConcurrency {

  private final BenchStack stack;
  private final Api api;
  private final String functionsUrl;

  RelayConcurrency(BenchStack stack, Api api, String functionsUrl) {
    this.stack = stack;
    this.api = api;
    this.functionsUrl = functionsUrl;
  }

  /** What one round measured; heap and threads are the relay's peaks while the runs ran. */
  record Result(
      int runs,
      int completed,
      int peakRunning,
      long peakHeapBytes,
      int peakLiveThreads,
      int threadsBefore,
      double seconds,
      Histogram chunkLatency) {}

  Result measure(String relayUrl, int runs, int chunks, int delayMs, int sampledClients)
      throws Exception {
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      threads.add(api.createThread(functionsUrl, "concurrent"));
    }
    try (SseClients clients = SseClients.start(functionsUrl, api.token());
        SseClients.Group sampled =
            clients.attach(
                threads.subList(0, Math.min(sampledClients, runs)),
                false,
                200,
                Duration.ofSeconds(60))) {
      int threadsBefore = (int) metric(relayUrl, "jvm_threads_live_threads", "");
      long start = System.nanoTime();
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (String thread : threads) {
        sent.add(
            api.sendAsync(
                api.submitRequest(
                    functionsUrl,
                    thread,
                    "[stamp=1 chunks=" + chunks + " delay=" + delayMs + "ms] concurrent")));
      }
      List<UUID> runIds = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> response : sent) {
        UUID runId;
        try {
          runId = Api.runId(response.get(60, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          runId = null; // not submitted in time on a loaded machine: not part of the burst
        }
        if (runId != null) {
          runIds.add(runId);
        }
      }
      int peakRunning = 0;
      int completed = 0;
      long peakHeap = 0;
      int peakThreads = 0;
      long reply = Duration.ofMillis((long) chunks * delayMs).toNanos();
      long deadline = start + reply + Duration.ofMinutes(2).toNanos();
      long nextMetrics = 0;
      try (Connection connection = stack.connect();
          PreparedStatement select =
              connection.prepareStatement(
                  "select count(*) filter (where status in ('completed', 'failed',"
                      + " 'cancelled')), count(*) filter (where status = 'running') from runs"
                      + " where id = any(?)")) {
        select.setArray(1, connection.createArrayOf("uuid", runIds.toArray()));
        while (System.nanoTime() < deadline) {
          try (ResultSet row = select.executeQuery()) {
            row.next();
            completed = row.getInt(1);
            peakRunning = Math.max(peakRunning, row.getInt(2));
          }
          if (System.nanoTime() >= nextMetrics) {
            peakHeap = Math.max(peakHeap, (long) metric(relayUrl, "jvm_memory_used_bytes", "heap"));
            peakThreads =
                Math.max(peakThreads, (int) metric(relayUrl, "jvm_threads_live_threads", ""));
            nextMetrics = System.nanoTime() + Duration.ofMillis(500).toNanos();
          }
          if (completed == runIds.size()) {
            break;
          }
          Pause.millis(100);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(
          runIds.size(),
          completed,
          peakRunning,
          peakHeap,
          peakThreads,
          threadsBefore,
          seconds,
          sampled.latency());
    }
  }

  /** The sum of a metric's samples on the relay's /prometheus whose labels name {@code area}. */
  private double metric(String relayUrl, String name, String area) {
    String page = api.send(api.authorized(relayUrl + "/prometheus").GET().build()).body();
    return PrometheusText.sum(page, name, area.isEmpty() ? "" : "area=\"" + area + "\"");
  }
}
