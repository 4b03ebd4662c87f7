package dev.threadline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/** What the relays sustain, and how fast a survivor resumes a killed relay's run. */
final class RelayLoad {

  private final BenchStack stack;
  private final Api api;
  private final String functionsUrl;

  RelayLoad(BenchStack stack, Api api, String functionsUrl) {
    this.stack = stack;
    this.api = api;
    this.functionsUrl = functionsUrl;
  }

  /** A burst of runs drained by the relays now running. */
  record Drain(
      int runs, double seconds, double runsPerSecond, double chunksPerSecond, int peakRunning) {}

  /**
   * Submits {@code runs} runs on as many threads at once (each {@code chunks} chunks, {@code
   * delayMs} apart) and times until every one completed.
   */
  Drain drain(int runs, int chunks, int delayMs) throws Exception {
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      threads.add(api.createThread(functionsUrl, "drain"));
    }
    List<UUID> runIds = new ArrayList<>();
    long start = System.nanoTime();
    List<CompletableFuture<java.net.http.HttpResponse<String>>> sent = new ArrayList<>();
    for (String thread : threads) {
      sent.add(
          api.sendAsync(
              api.submitRequest(
                  functionsUrl, thread, "[chunks=" + chunks + " delay=" + delayMs + "ms] drain")));
    }
    for (CompletableFuture<java.net.http.HttpResponse<String>> response : sent) {
      UUID runId;
      try {
        runId = Api.runId(response.get(60, TimeUnit.SECONDS));
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        runId = null; // not submitted in time on a loaded machine: not part of the burst
      }
      if (runId != null) {
        runIds.add(runId);
      }
    }
    int peak = 0;
    long chunkTotal = 0;
    try (Connection connection = stack.connect();
        PreparedStatement select =
            connection.prepareStatement(
                "select count(*) filter (where status = 'completed'), count(*) filter (where status"
                    + " = 'running'), coalesce(sum(chunks_published) filter (where status ="
                    + " 'completed'), 0) from runs where id = any(?)")) {
      select.setArray(1, connection.createArrayOf("uuid", runIds.toArray()));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (System.nanoTime() < deadline) {
        try (ResultSet row = select.executeQuery()) {
          row.next();
          peak = Math.max(peak, row.getInt(2));
          chunkTotal = row.getLong(3);
          if (row.getInt(1) == runIds.size()) {
            break;
          }
        }
        Pause.millis(20);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Drain(runIds.size(), seconds, runIds.size() / seconds, chunkTotal / seconds, peak);
  }

  /**
   * One kill: microseconds from SIGKILL to the client's first reset of the new epoch, and to its
   * first chunk.
   */
  record Recovery(long toResetMicros, long toChunkMicros) {}

  /**
   * Runs a long reply, SIGKILLs the relay that owns it once the client has some chunks, and times
   * the client's view of the takeover. {@code relays} maps executor id to a running relay.
   */
  Recovery killOwner(java.util.Map<String, BenchStack.Service> relays) throws Exception {
    String thread = api.createThread(functionsUrl, "recover");
    AtomicInteger chunks = new AtomicInteger();
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    AtomicLong firstEpoch = new AtomicLong(-1);
    CompletableFuture<Long> reset = new CompletableFuture<>();
    CompletableFuture<Long> chunk = new CompletableFuture<>();
    SseAttacher client =
        SseAttacher.attach(
            api,
            functionsUrl,
            thread,
            false,
            (type, data, received) -> {
              long now = System.nanoTime();
              long epoch = epoch(data);
              if (type.equals("reset") && firstEpoch.get() < 0) {
                firstEpoch.set(epoch);
              } else if (type.equals("reset") && epoch > firstEpoch.get() && now > killedAt.get()) {
                reset.complete(now);
              } else if (type.equals("chunk")) {
                chunks.incrementAndGet();
                if (reset.isDone() && epoch > firstEpoch.get()) {
                  chunk.complete(now);
                }
              }
            });
    try {
      client.attached().get(30, TimeUnit.SECONDS);
      UUID runId = api.submit(functionsUrl, thread, "[chunks=400 delay=10ms] recover");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (chunks.get() < 5 && System.nanoTime() < deadline) {
        Pause.millis(5);
      }
      String owner = owner(runId);
      BenchStack.Service victim = relays.get(owner);
      if (victim == null) {
        throw new IllegalStateException(
            "run " + runId + " owned by " + owner + ", not one of " + relays.keySet());
      }
      killedAt.set(System.nanoTime());
      victim.process().kill();
      long resetAt = reset.get(30, TimeUnit.SECONDS);
      long chunkAt = chunk.get(30, TimeUnit.SECONDS);
      return new Recovery((resetAt - killedAt.get()) / 1000, (chunkAt - killedAt.get()) / 1000);
    } finally {
      client.close();
    }
  }

  /**
   * The executor whose relay must be killed next; also what a killed relay's replacement is called.
   */
  String owner(UUID runId) throws Exception {
    try (Connection connection = stack.connect();
        PreparedStatement select =
            connection.prepareStatement("select executor_id from runs where id = ?")) {
      select.setObject(1, runId);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? row.getString(1) : null;
      }
    }
  }

  private static long epoch(String data) {
    int at = data.indexOf("\"epoch\":");
    if (at < 0) {
      return -1;
    }
    int from = at + 8;
    int to = from;
    while (to < data.length() && Character.isDigit(data.charAt(to))) {
      to++;
    }
    return Long.parseLong(data.substring(from, to));
  }

  static Histogram histogram(List<Long> micros) {
    Histogram histogram = Row.histogram();
    micros.forEach(histogram::recordValue);
    return histogram;
  }
}
