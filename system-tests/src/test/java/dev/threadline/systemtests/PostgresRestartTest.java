package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL crashes and comes back under a running stack ({@code pg_ctl restart -m immediate} on a
 * server of the test's own): runs in flight complete after it returns, no message that was answered
 * 202 is lost, and the relays do not take each other's runs back and forth.
 */
@Tag("processes")
@Timeout(300)
class PostgresRestartTest {

  private static final Duration ATTACH = Duration.ofSeconds(15);
  private static final Duration RUN = Duration.ofSeconds(120);

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack =
        Stack.builder()
            .privatePostgres()
            .functions(2)
            .relays(2)
            .mock(20, 20)
            // ~20 submits/s over 4 threads queue faster than runs of 4 s end: the per-owner quota
            // (429) is not what this measures
            .environment("THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER", "100000")
            .start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void runsInFlightCompleteAndNoAcknowledgedMessageIsLostAcrossAnImmediateRestart()
      throws Exception {
    ApiClient a = stack.api(0);
    ApiClient b = stack.api(1);
    List<String> threads = new ArrayList<>();
    List<String> inFlight = new ArrayList<>();
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        String thread = a.createThread();
        threads.add(thread);
        clients.add(SseClient.attach(b, thread).awaitAttached(ATTACH));
        inFlight.add(
            a.postMessage(thread, "across the restart " + i + " [chunks=100 delay=40ms]")
                .path("runId")
                .asText());
      }
      clients.forEach(client -> client.awaitChunks(5, RUN));

      // submits keep coming while the database goes away and returns; only 202s are promises
      List<String[]> acknowledged = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger refused = new AtomicInteger();
      AtomicBoolean submitting = new AtomicBoolean(true);
      ExecutorService submitter = Executors.newSingleThreadExecutor();
      Future<?> submits =
          submitter.submit(
              () -> {
                for (int i = 0; submitting.get(); i++) {
                  String thread = threads.get(i % threads.size());
                  ApiClient.Response response =
                      a.send(
                          "POST",
                          "/v1/threads/" + thread + "/messages",
                          ApiClient.JSON
                              .createObjectNode()
                              .put("content", "during the restart " + i + " [chunks=3]"),
                          Map.of());
                  if (response.status() == 202) {
                    acknowledged.add(new String[] {thread, response.json().path("runId").asText()});
                  } else {
                    assertThat(response.status()).as(response.body()).isEqualTo(503);
                    refused.incrementAndGet();
                  }
                  LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // pacing, ~20/s
                }
                return null;
              });

      long restartedAt = System.nanoTime();
      stack.postgres().restartImmediately();
      long downMillis = (System.nanoTime() - restartedAt) / 1_000_000;
      int acknowledgedBefore = acknowledged.size();
      await("submits are acknowledged again after the restart")
          .atMost(Duration.ofSeconds(30))
          .until(() -> acknowledged.size() >= acknowledgedBefore + 5);
      submitting.set(false);
      submits.get();
      submitter.shutdown();

      RunTable runs = new RunTable(stack.database());
      await("every acknowledged run ended")
          .atMost(RUN)
          .until(() -> runs.all().stream().allMatch(RunTable.RunRow::ended));
      List<RunTable.RunRow> all = runs.all();
      System.out.printf(
          "POSTGRES RESTART: pg_ctl restart -m immediate took %d ms; submits acknowledged %d,"
              + " refused %d; runs %d, epochs %s%n",
          downMillis,
          acknowledged.size(),
          refused.get(),
          all.size(),
          all.stream().map(RunTable.RunRow::epoch).distinct().sorted().toList());

      for (String[] ack : acknowledged) {
        assertThat(all)
            .as("acknowledged run %s of thread %s", ack[1], ack[0])
            .anySatisfy(row -> assertThat(row.id().toString()).isEqualTo(ack[1]));
      }
      assertThat(all).allSatisfy(row -> assertThat(row.status()).isEqualTo("completed"));
      assertThat(all).allSatisfy(row -> assertThat(row.assistantMessages()).isEqualTo(1));
      // at most one takeover per run: a relay that lost its liveness lock in the crash may lose
      // its runs once, never have them taken back and forth
      assertThat(all).allSatisfy(row -> assertThat(row.epoch()).isLessThanOrEqualTo(2));

      for (int i = 0; i < clients.size(); i++) {
        SseClient client = clients.get(i);
        client.awaitEnd(RUN);
        JsonNode stored = a.assistantMessageOf(threads.get(i), inFlight.get(i));
        ReplyAssembler assembler = new ReplyAssembler().acceptAll(client.events());
        assertThat(assembler.violations()).as("events: %s", client.events()).isEmpty();
        assertThat(assembler.text(inFlight.get(i))).isEqualTo(stored.path("content").asText());
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }
}
