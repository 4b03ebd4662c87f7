package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scale-in of functions under attached clients: SIGTERM to an instance holding 200 streams. Its
 * readiness answers 503 at once, each stream ends promptly with a {@code retry:} hint, every client
 * resumes on another instance with Last-Event-ID and shows the stored reply once, and the process
 * exits within 10 s. Scale-out: a new instance serves resumed clients at once.
 */
@Tag("processes")
@Timeout(300)
class ScaleInTest {

  private static final int THREADS = 20;
  private static final int CLIENTS_PER_THREAD = 10;
  private static final Duration ATTACH = Duration.ofSeconds(30);
  private static final Duration RUN = Duration.ofSeconds(90);

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack = Stack.builder().functions(2).relays(1).mock(20, 20).start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aTerminatedInstanceSendsItsClientsElsewhereAndExitsWithinTenSeconds() throws Exception {
    Stack.Instance leaving = stack.functions(0);
    ApiClient onLeaving = stack.api(0);
    ApiClient onStaying = stack.api(1);
    List<String> threads = new ArrayList<>();
    List<String> runs = new ArrayList<>();
    List<SseClient> clients = new ArrayList<>();
    List<SseClient> resumedClients = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        String thread = onStaying.createThread();
        threads.add(thread);
        runs.add(
            onStaying
                .postMessage(thread, "scale-in " + t + " [chunks=300 delay=50ms]")
                .path("runId")
                .asText());
        for (int c = 0; c < CLIENTS_PER_THREAD; c++) {
          clients.add(SseClient.attach(onLeaving, thread));
        }
      }
      // one wait for all (one at a time, 200 waits would outlast the replies)
      await("every client attached and shown 3 chunks")
          .atMost(RUN)
          .until(() -> clients.stream().allMatch(c -> c.events("chunk").size() >= 3));
      assertThat(clients).allSatisfy(c -> assertThat(c.status()).isEqualTo(200));

      long terminatedAt = System.nanoTime();
      leaving.process().sigterm();
      // the signal is handled a moment later: the first answer that is not 200, within a second
      int[] readiness = {200};
      await("readiness after SIGTERM")
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> (readiness[0] = readiness(leaving)) != 200);
      long notReadyMillis = (System.nanoTime() - terminatedAt) / 1_000_000;
      await("every stream ended by the shutdown")
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> clients.stream().allMatch(SseClient::ended));
      long streamsEndedMillis = (System.nanoTime() - terminatedAt) / 1_000_000;
      int exitCode = leaving.process().awaitExit(Duration.ofSeconds(10));
      long exitedMillis = (System.nanoTime() - terminatedAt) / 1_000_000;

      // every client comes back on the instance that stays, or on a new one (scale-out)
      Stack.Instance added = stack.startFunctions();
      ApiClient onAdded = new ApiClient(added.url(), onStaying.token());
      List<SseClient> resumed = resumedClients;
      for (int i = 0; i < clients.size(); i++) {
        SseClient client = clients.get(i);
        resumed.add(
            SseClient.attach(
                i % 2 == 0 ? onStaying : onAdded,
                threads.get(i / CLIENTS_PER_THREAD),
                client.lastEventId(),
                false));
      }
      await("every resumed client shown its run's end")
          .atMost(RUN)
          .until(() -> resumed.stream().allMatch(SseClient::ended));
      for (int i = 0; i < clients.size(); i++) {
        SseClient first = clients.get(i);
        SseClient second = resumed.get(i);
        assertThat(second.status()).as("%s", second).isEqualTo(200);
        String thread = threads.get(i / CLIENTS_PER_THREAD);
        String runId = runs.get(i / CLIENTS_PER_THREAD);
        assertThat(first.rawLines())
            .as("%s: the shutdown's retry hint", first)
            .anySatisfy(line -> assertThat(line).startsWith("retry:"));
        List<SseEvent> whole = new ArrayList<>(first.events());
        whole.addAll(second.events());
        ReplyAssembler assembler = new ReplyAssembler().acceptAll(whole);
        JsonNode stored = onStaying.assistantMessageOf(thread, runId);
        assertThat(assembler.violations()).as("%s then %s", first, second).isEmpty();
        assertThat(assembler.text(runId)).isEqualTo(stored.path("content").asText());
        assertThat(assembler.done(runId)).isPresent();
      }
      System.out.printf(
          "SCALE-IN: SIGTERM with %d streams: readiness %d after %d ms, every stream ended after"
              + " %d ms, exit %d after %d ms; all resumed on the other or a new instance%n",
          clients.size(), readiness[0], notReadyMillis, streamsEndedMillis, exitCode, exitedMillis);
      assertThat(readiness[0]).as("readiness right after SIGTERM").isEqualTo(503);
      assertThat(exitedMillis).as("ms from SIGTERM to exit").isLessThan(10_000);
    } finally {
      clients.forEach(SseClient::close);
      resumedClients.forEach(SseClient::close);
    }
  }

  /** {@code GET /health/readiness} at once; 0 when nothing answers. */
  private static int readiness(Stack.Instance instance) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create(instance.url() + "/health/readiness"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return 0;
    }
  }
}
