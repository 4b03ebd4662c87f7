package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.systemtests.RunTable.RunRow;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scenario 6 of issue 3 (DESIGN lesson 8): mid-run, the broker restarts and every PostgreSQL
 * connection of the relays is cut (a proxy between the relays and the database resets them and
 * refuses new ones while the broker is down). The runs in flight still complete, and clients
 * attached before the outage, after it, or resuming with Last-Event-ID all finish with the section
 * 5 invariant intact; runs submitted afterwards stream as before.
 */
@Tag("processes")
@Timeout(300)
class OutageTest {

  private static final int THREADS = 4;
  private static final Duration ATTACH = Duration.ofSeconds(10);
  private static final Duration RUN = Duration.ofSeconds(90);

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack =
        Stack.builder()
            .privateNats()
            .relayDatabaseProxy()
            .functions(2)
            .relays(2)
            .mock(20, 25)
            .start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  private record Watched(String what, String threadId, SseClient client) {}

  @Test
  void runsInFlightCompleteAndEveryAttacherFinishesAcrossABrokerRestartAndCutDatabaseConnections() {
    List<String> threads = new ArrayList<>();
    List<Watched> early = new ArrayList<>();
    List<Watched> others = new ArrayList<>();
    List<String> firstRuns = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        ApiClient api = stack.api(t % 2);
        String thread = api.createThread();
        threads.add(thread);
        early.add(
            new Watched(
                "early attacher",
                thread,
                SseClient.attach(stack.api((t + 1) % 2), thread).awaitAttached(ATTACH)));
        firstRuns.add(
            api.postMessage(thread, "through the outage " + t + " [chunks=100 delay=40ms]")
                .path("runId")
                .asText());
      }
      early.forEach(w -> w.client().awaitChunks(5, RUN));

      long outageAt = System.nanoTime();
      Instant outageStarted = Instant.now();
      stack.relayDatabaseProxy().refuse();
      stack.relayDatabaseProxy().cutAll();
      stack.nats().restart();
      stack.relayDatabaseProxy().accept();
      stack.awaitAllHealthy(Duration.ofSeconds(60));
      long healthyMillis = (System.nanoTime() - outageAt) / 1_000_000;

      // attached after the outage: most find their run still in progress and replay it from its
      // reset
      for (int t = 0; t < THREADS; t++) {
        others.add(
            new Watched(
                "late attacher",
                threads.get(t),
                SseClient.attach(stack.api(t % 2), threads.get(t)).awaitAttached(ATTACH)));
      }
      await("the runs in flight during the outage ended")
          .atMost(RUN)
          .pollInterval(Duration.ofMillis(250))
          .until(() -> new RunTable(stack.database()).all().stream().allMatch(RunRow::ended));
      long endedMillis = (System.nanoTime() - outageAt) / 1_000_000;

      // runs submitted after the outage: LISTEN, subscriptions and publishers all came back
      for (int t = 0; t < THREADS; t++) {
        String thread = threads.get(t);
        others.add(
            new Watched(
                "attacher of a run after the outage",
                thread,
                SseClient.attach(stack.api((t + 1) % 2), thread).awaitAttached(ATTACH)));
        stack.api(t % 2).postMessage(thread, "after the outage " + t + " [chunks=20 delay=20ms]");
      }
      // resumed from an event seen before the outage, once the run is over: the rest, nothing twice
      for (Watched w : early) {
        String lastBeforeOutage = w.client().events().get(2).id();
        SseClient resumed =
            SseClient.attach(stack.api(0), w.threadId(), lastBeforeOutage, false)
                .awaitAttached(ATTACH);
        others.add(new Watched("resumed after event " + lastBeforeOutage, w.threadId(), resumed));
      }
      await("every run ended")
          .atMost(RUN)
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                List<RunRow> rows = new RunTable(stack.database()).all();
                return rows.size() == 2 * THREADS && rows.stream().allMatch(RunRow::ended);
              });

      List<RunRow> rows = new RunTable(stack.database()).all();
      Map<String, RunRow> byId =
          rows.stream().collect(Collectors.toMap(r -> r.id().toString(), r -> r));
      System.out.printf(
          "OUTAGE: broker restart + relays' PostgreSQL connections cut: stack healthy after %d ms,"
              + " runs in flight ended after %d ms; epochs of those runs %s; relay reconnects %s%n",
          healthyMillis,
          endedMillis,
          firstRuns.stream().map(id -> byId.get(id).epoch()).toList(),
          reconnects());
      // both relays lost their liveness sessions at once: one may take the other's runs over, but
      // none may take runs back and forth while it cannot show it is alive itself
      for (String runId : firstRuns) {
        assertThat(RelayLogs.count(stack, outageStarted, "took over run " + runId))
            .as("takeovers of run %s during the outage", runId)
            .isLessThanOrEqualTo(1);
      }
      assertThat(rows)
          .as("runs")
          .allSatisfy(
              row -> {
                assertThat(row.status()).as("status of run %s", row.id()).isEqualTo("completed");
                assertThat(row.assistantMessages())
                    .as("assistant messages of run %s", row.id())
                    .isEqualTo(1);
              });
      for (Watched w : others) {
        assertFinishedWithTheStoredText(w, byId);
      }
      for (Watched w : early) {
        // the streamfix defect (BrokerRestartTest's disabled test) shows here, if anywhere: a done
        // sent from the database after only some chunks, the text shown shorter than the stored one
        assertFinishedWithTheStoredText(w, byId);
      }
    } finally {
      early.forEach(w -> w.client().close());
      others.forEach(w -> w.client().close());
    }
  }

  private static void assertFinishedWithTheStoredText(Watched w, Map<String, RunRow> byId) {
    SseClient client = w.client().awaitEnd(RUN);
    List<SseEvent> events = client.events();
    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);
    String what = w.what() + " of thread " + w.threadId();
    assertThat(assembler.violations())
        .as("%s: stream rules broken; events %s", what, events)
        .isEmpty();
    assertThat(assembler.runIds()).as(what + ": runs shown").isNotEmpty();
    for (String runId : assembler.runIds()) {
      RunRow row = byId.get(runId);
      assertThat(assembler.done(runId))
          .as("%s: done of run %s; events %s", what, runId, events)
          .isPresent();
      assertThat(assembler.text(runId))
          .as(
              "%s: text of run %s (%d terminal events from the database); events %s",
              what, runId, assembler.idlessTerminals(), events)
          .isEqualTo(row.reply());
    }
  }

  /** The relays' reconnect counters, as /prometheus shows them. */
  private static List<String> reconnects() {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<String> lines = new ArrayList<>();
    for (String name : List.of("relay-1", "relay-2")) {
      Stack.Instance relay = stack.relay(name);
      try {
        String body =
            http.send(
                    HttpRequest.newBuilder(URI.create(relay.url() + "/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        body.lines()
            .filter(
                l ->
                    l.startsWith("threadline_pg_reconnects_total")
                        || l.startsWith("threadline_nats_reconnects_total"))
            .forEach(l -> lines.add(name + " " + l));
      } catch (IOException e) {
        lines.add(name + ": /prometheus unreadable (" + e.getMessage() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return lines;
  }
}
