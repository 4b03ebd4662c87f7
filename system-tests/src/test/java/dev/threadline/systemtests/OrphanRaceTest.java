package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.systemtests.ReplySubjects.BusEvent;
import dev.threadline.systemtests.RunTable.RunRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README, How it works (Recovery), scenario 5 of issue 3 (DESIGN lesson 3): two live survivors race
 * for the same orphans and each orphan is taken over exactly once. The orphans are running runs of
 * executors that died without a trace but their rows: no process holds their liveness lock, so both
 * relays' takeover scanners find each of them on their next scan. Orphans appear in waves, each
 * wave committed in one transaction so that both scanners see the whole wave at once; a double
 * takeover would show as epoch 3, two model calls, two takeover log lines or two resets.
 */
@Tag("processes")
@Timeout(300)
class OrphanRaceTest {

  private static final int WAVES = 10;
  private static final int ORPHANS_PER_WAVE = 10;
  private static final int EARLY_ATTACHERS_PER_WAVE = 3;
  private static final int CHUNKS = 5;
  private static final Duration ATTACH = Duration.ofSeconds(10);
  private static final Duration WAVE = Duration.ofSeconds(90);
  private static final Set<String> SURVIVORS = Set.of("relay-1", "relay-2");

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    // scanning every 25 ms instead of 250 ms, both scanners are at work whenever a wave appears:
    // they race for it rather than the earlier one taking the whole wave alone
    stack =
        Stack.builder()
            .functions(1)
            .relays(2)
            .mock(CHUNKS, 10)
            .environment("THREADLINE_RELAY_TAKEOVER_SCAN", "25ms")
            .start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  /** A run left `running` by an executor that is gone, as its row says. */
  private record Orphan(String threadId, UUID runId, String deadExecutor, String content) {
    String expectedReply() {
      return PacingMockProcess.expectedReply(
          content.substring(0, Math.min(40, content.length())), CHUNKS);
    }
  }

  @Test
  void twoSurvivorsRacingForTheSameOrphansTakeEachOverExactlyOnce() {
    ApiClient api = stack.api(0);
    List<Orphan> orphans = new ArrayList<>();
    Map<String, SseClient> early = new HashMap<>();
    long started = System.nanoTime();
    try {
      for (int wave = 0; wave < WAVES; wave++) {
        List<Orphan> batch = newOrphans(wave);
        insertThreads(batch);
        // attached while the threads are idle: they must be shown the survivor's run from its reset
        for (Orphan orphan : batch.subList(0, EARLY_ATTACHERS_PER_WAVE)) {
          early.put(
              orphan.threadId(), SseClient.attach(api, orphan.threadId()).awaitAttached(ATTACH));
        }
        insertRunningRuns(batch);
        Set<UUID> ids = batch.stream().map(Orphan::runId).collect(Collectors.toSet());
        await("wave " + wave + " of orphans ended")
            .atMost(WAVE)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    new RunTable(stack.database())
                        .all().stream()
                            .filter(run -> ids.contains(run.id()))
                            .allMatch(RunRow::ended));
        orphans.addAll(batch);
      }
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      Map<UUID, RunRow> rows = new RunTable(stack.database()).byId();
      Map<String, List<BusEvent>> subjects = ReplySubjects.read(stack.natsUrl(), stack.replies());
      Map<String, Long> modelCalls =
          stack.mock().requests().stream()
              .collect(
                  Collectors.groupingBy(
                      r -> r.path("lastUserMessage").asText(), Collectors.counting()));
      Map<String, Integer> takeoversByRelay = new HashMap<>();
      for (Orphan orphan : orphans) {
        RunRow row = rows.get(orphan.runId());
        String what = "orphan " + orphan.runId() + " of " + orphan.deadExecutor();
        assertThat(row.status()).as(what + ": status").isEqualTo("completed");
        assertThat(row.epoch()).as(what + ": epoch raised exactly once (1 -> 2)").isEqualTo(2);
        assertThat(row.attempts())
            .as(what + ": model attempts (a takeover is not one)")
            .isEqualTo(1);
        assertThat(row.executorId()).as(what + ": owner").isIn(SURVIVORS);
        assertThat(row.assistantMessages()).as(what + ": assistant messages").isEqualTo(1);
        assertThat(row.reply()).as(what + ": stored reply").isEqualTo(orphan.expectedReply());
        assertThat(modelCalls.getOrDefault(orphan.content(), 0L))
            .as(what + ": model calls")
            .isEqualTo(1);
        assertThat(takeoverLogLines(orphan.runId()))
            .as(what + ": takeovers logged by the relays")
            .isEqualTo(1);
        assertTheSubjectHoldsOneStartOfEpochTwo(
            what,
            subjects.get(ReplySubjects.subjectOf(stack.replies(), orphan.threadId())),
            orphan,
            row);
        takeoversByRelay.merge(row.executorId(), 1, Integer::sum);
      }
      for (Map.Entry<String, SseClient> entry : early.entrySet()) {
        Orphan orphan =
            orphans.stream()
                .filter(o -> o.threadId().equals(entry.getKey()))
                .findFirst()
                .orElseThrow();
        assertShownOnce(
            "early attacher of " + orphan.runId(),
            entry.getValue().awaitEnd(WAVE).events(),
            orphan,
            rows.get(orphan.runId()));
      }
      // late attachers: replay each subject from its first stored event (Last-Event-ID 0)
      for (Orphan orphan : orphans.subList(0, 10)) {
        try (SseClient late =
            SseClient.attach(api, orphan.threadId(), "0", false).awaitAttached(ATTACH)) {
          assertShownOnce(
              "late attacher of " + orphan.runId(),
              late.awaitEnd(WAVE).events(),
              orphan,
              rows.get(orphan.runId()));
        }
      }
      System.out.printf(
          "ORPHAN RACE: %d orphans in %d waves, two survivors, takeovers by relay %s,"
              + " every orphan taken over once (epoch 2, one model call, one reset), %d ms%n",
          orphans.size(), WAVES, new java.util.TreeMap<>(takeoversByRelay), tookMillis);
    } finally {
      early.values().forEach(SseClient::close);
    }
  }

  private static void assertTheSubjectHoldsOneStartOfEpochTwo(
      String what, List<BusEvent> events, Orphan orphan, RunRow row) {
    assertThat(events).as(what + ": events on its subject").isNotNull().isNotEmpty();
    assertThat(events)
        .as(what + ": every event of the run at epoch 2")
        .allSatisfy(
            event -> {
              assertThat(event.runId()).isEqualTo(orphan.runId().toString());
              assertThat(event.epoch()).isEqualTo(2);
            });
    assertThat(events.stream().map(BusEvent::type).toList())
        .as(what + ": event types on the subject")
        .startsWith("reset")
        .endsWith("done")
        .containsOnlyOnce("reset", "done");
    assertThat(
            events.stream()
                .filter(e -> e.type().equals("chunk"))
                .map(e -> e.data().path("delta").asText())
                .collect(Collectors.joining()))
        .as(what + ": chunks on the subject")
        .isEqualTo(row.reply());
  }

  private static void assertShownOnce(
      String what, List<SseEvent> events, Orphan orphan, RunRow row) {
    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);
    String runId = orphan.runId().toString();
    assertThat(assembler.violations())
        .as("%s: stream rules broken; events %s", what, events)
        .isEmpty();
    assertThat(assembler.resets(runId)).as(what + ": resets shown").isEqualTo(1);
    assertThat(assembler.text(runId)).as(what + ": text shown").isEqualTo(row.reply());
    assertThat(assembler.done(runId)).as(what + ": done").isPresent();
  }

  private static long takeoverLogLines(UUID runId) {
    return RelayLogs.count(stack, Instant.EPOCH, "took over run " + runId);
  }

  private static List<Orphan> newOrphans(int wave) {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    List<Orphan> batch = new ArrayList<>();
    for (int i = 0; i < ORPHANS_PER_WAVE; i++) {
      // a few dead executors per wave: several orphans share one liveness key, others do not
      batch.add(
          new Orphan(
              "race-" + tag + "-" + i,
              UUID.randomUUID(),
              "dead-" + tag + "-" + (i % 3),
              "orphan " + wave + "." + i + " " + tag));
    }
    return batch;
  }

  private static void insertThreads(List<Orphan> batch) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    try (Connection connection = stack.database().connect();
        PreparedStatement thread =
            connection.prepareStatement(
                "insert into threads (id, owner, title, created_at) values (?, ?, ?, ?)")) {
      for (Orphan orphan : batch) {
        thread.setString(1, orphan.threadId());
        thread.setString(2, Stack.OWNER);
        thread.setString(3, "orphan race");
        thread.setObject(4, now);
        thread.addBatch();
      }
      thread.executeBatch();
    } catch (SQLException e) {
      throw new IllegalStateException("inserting threads", e);
    }
  }

  /**
   * What a relay that claimed these runs and then died leaves behind: each run running at epoch 1
   * under its executor id with a lease far from expiry, and the user message it answers. One
   * transaction: the whole wave becomes visible to both scanners at the same instant.
   */
  private static void insertRunningRuns(List<Orphan> batch) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    try (Connection connection = stack.database().connect()) {
      connection.setAutoCommit(false);
      try (PreparedStatement run =
              connection.prepareStatement(
                  "insert into runs (id, thread_id, status, model, retryable, attempts, epoch, executor_id,"
                      + " lease_expires_at, created_at, started_at)"
                      + " values (?, ?, 'running', 'mock-model', true, 1, 1, ?, ?, ?, ?)");
          PreparedStatement message =
              connection.prepareStatement(
                  "insert into messages (id, thread_id, role, content, run_id, created_at)"
                      + " values (?, ?, 'user', ?, ?, ?)")) {
        for (Orphan orphan : batch) {
          run.setObject(1, orphan.runId());
          run.setString(2, orphan.threadId());
          run.setString(3, orphan.deadExecutor());
          run.setObject(
              4, now.plusMinutes(10)); // only the free liveness lock says the owner is dead
          run.setObject(5, now);
          run.setObject(6, now);
          run.addBatch();
          message.setObject(1, UUID.randomUUID());
          message.setString(2, orphan.threadId());
          message.setString(3, orphan.content());
          message.setObject(4, orphan.runId());
          message.setObject(5, now);
          message.addBatch();
        }
        run.executeBatch();
        message.executeBatch();
        connection.commit();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("inserting orphaned runs", e);
    }
  }
}
