package dev.threadline.relay.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.threadline.completion.ChatMessage;
import dev.threadline.relay.store.TakenOverRun.Disposition;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.SettableClock;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link RunStore} must do; run against each adapter. */
abstract class RunStoreContract {

  static final Duration LEASE = Duration.ofSeconds(10);
  static final String ME = "executor-me";
  static final String OTHER = "executor-other";

  final SettableClock clock = SettableClock.startingNow();

  abstract RunStore store();

  abstract RunFixtures fixtures();

  @BeforeEach
  void emptyTables() {
    fixtures().truncate();
  }

  ClaimedRun claim(String executorId) {
    return store().claimNext(executorId, clock.instant(), LEASE).orElseThrow();
  }

  @Test
  void claimsTheRunsOfAThreadInSubmissionOrderOneAtATime() {
    String thread = fixtures().thread();
    UUID first = fixtures().queueRun(thread, "one");
    UUID second = fixtures().queueRun(thread, "two");

    ClaimedRun claimed = claim(ME);
    assertThat(claimed.runId()).isEqualTo(first);
    assertThat(claimed.epoch()).isEqualTo(1);
    assertThat(claimed.attempts()).isEqualTo(1);
    assertThat(claimed.executorId()).isEqualTo(ME);
    // submitted at the database's now(): what claim latency is measured from
    assertThat(claimed.createdAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    assertThat(store().claimNext(OTHER, clock.instant(), LEASE)).isEmpty();

    assertThat(store().complete(claimed, "answer", "stop", 1, clock.instant())).isPresent();
    assertThat(claim(OTHER).runId()).isEqualTo(second);
  }

  @Test
  void claimsRunsOfOtherThreadsInParallel() {
    UUID a = fixtures().queueRun(fixtures().thread(), "a");
    UUID b = fixtures().queueRun(fixtures().thread(), "b");

    assertThat(List.of(claim(ME).runId(), claim(OTHER).runId())).containsExactlyInAnyOrder(a, b);
    assertThat(fixtures().run(a).status()).isEqualTo("running");
    assertThat(fixtures().run(b).status()).isEqualTo("running");
  }

  @Test
  void concurrentClaimersClaimEveryRunExactlyOnceAndNeverTwoOfAThreadAtOnce() throws Exception {
    int threads = 20;
    int runsPerThread = 10;
    List<UUID> queued = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String thread = fixtures().thread();
      for (int r = 0; r < runsPerThread; r++) {
        queued.add(fixtures().queueRun(thread, "message " + r));
      }
    }
    Map<UUID, Integer> claims = new ConcurrentHashMap<>();
    Map<String, UUID> runningPerThread = new ConcurrentHashMap<>();
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger completed = new AtomicInteger();
    ExecutorService claimers = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        String executor = "executor-" + c;
        done.add(
            claimers.submit(
                () -> {
                  long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                  while (completed.get() < queued.size() && System.nanoTime() < deadline) {
                    Optional<ClaimedRun> claimed =
                        store().claimNext(executor, clock.instant(), LEASE);
                    if (claimed.isEmpty()) {
                      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                      continue;
                    }
                    ClaimedRun run = claimed.get();
                    claims.merge(run.runId(), 1, Integer::sum);
                    if (runningPerThread.putIfAbsent(run.threadId().value(), run.runId()) != null) {
                      violations.add("two running runs in thread " + run.threadId());
                    }
                    runningPerThread.remove(run.threadId().value());
                    store().complete(run, "reply", "stop", 1, clock.instant()).orElseThrow();
                    completed.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> future : done) {
        future.get(90, TimeUnit.SECONDS);
      }
    } finally {
      claimers.shutdownNow();
    }

    assertThat(violations).isEmpty();
    assertThat(claims).hasSize(queued.size());
    assertThat(claims.values()).allMatch(count -> count == 1);
  }

  @Test
  void aStaleEpochCompletesNothingAndWritesNoMessage() {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    ClaimedRun first = claim(ME);
    ClaimedRun restarted = store().restart(first, clock.instant(), LEASE).orElseThrow();

    assertThat(store().complete(first, "stale", "stop", 3, clock.instant())).isEmpty();
    assertThat(store().fail(first, "stale", clock.instant())).isFalse();
    assertThat(store().cancel(first, clock.instant())).isFalse();
    assertThat(fixtures().assistantMessages(runId)).isEmpty();

    Optional<UUID> messageId = store().complete(restarted, "fresh", "stop", 2, clock.instant());
    assertThat(messageId).isPresent();
    assertThat(fixtures().assistantMessages(runId)).containsExactly("fresh");
    assertThat(fixtures().run(runId).status()).isEqualTo("completed");
    assertThat(fixtures().run(runId).chunksPublished()).isEqualTo(2);
  }

  @Test
  void aRunIsTheLatestStartOfItsThreadUntilTakenOverOrFollowedByAClaimedRun() {
    String thread = fixtures().thread();
    fixtures().queueRun(thread, "one");
    fixtures().queueRun(thread, "two");
    ClaimedRun first = claim(ME);
    assertThat(store().isLatestStart(first)).isTrue();

    fixtures().stealRun(first.runId(), OTHER);
    assertThat(store().isLatestStart(first)).isFalse();

    fixtures().execute("update runs set status = 'completed' where id = ?", first.runId());
    ClaimedRun ended =
        new ClaimedRun(
            first.runId(),
            first.threadId(),
            first.epoch() + 1,
            OTHER,
            first.model(),
            first.attempts(),
            true,
            false,
            null);
    assertThat(store().isLatestStart(ended)).as("ended by its owner, nothing after it").isTrue();
    ClaimedRun second = claim(ME);
    assertThat(store().isLatestStart(ended)).as("the next run was claimed").isFalse();
    assertThat(store().isLatestStart(second)).isTrue();
  }

  @Test
  void whereAReplyStartsIsRecordedOnlyByTheEpochThatOwnsTheRun() {
    fixtures().queueRun(fixtures().thread(), "hello");
    ClaimedRun first = claim(ME);

    assertThat(store().recordReplyStart(first, 41)).isTrue();
    assertThat(fixtures().replyFrom(first.runId())).isEqualTo(41L);

    ClaimedRun second = store().restart(first, clock.instant(), LEASE).orElseThrow();
    assertThat(store().recordReplyStart(first, 99)).as("a stale epoch").isFalse();
    assertThat(store().recordReplyStart(second, 57)).isTrue();
    assertThat(fixtures().replyFrom(first.runId())).isEqualTo(57L);
  }

  @Test
  void restartRaisesTheEpochAndCountsAnAttempt() {
    fixtures().queueRun(fixtures().thread(), "hello");
    ClaimedRun first = claim(ME);

    ClaimedRun second = store().restart(first, clock.instant(), LEASE).orElseThrow();

    assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
    assertThat(second.attempts()).isEqualTo(2);
    assertThat(store().restart(first, clock.instant(), LEASE)).isEmpty();
  }

  @Test
  void failAndCancelEndTheRunWhereTheEpochIsStillOurs() {
    UUID failed = fixtures().queueRun(fixtures().thread(), "a");
    UUID cancelled = fixtures().queueRun(fixtures().thread(), "b");
    ClaimedRun one = claim(ME);
    ClaimedRun two = claim(ME);
    ClaimedRun toFail = one.runId().equals(failed) ? one : two;
    ClaimedRun toCancel = one.runId().equals(failed) ? two : one;

    assertThat(store().fail(toFail, "model said no", clock.instant())).isTrue();
    assertThat(store().cancel(toCancel, clock.instant())).isTrue();

    assertThat(fixtures().run(failed).status()).isEqualTo("failed");
    assertThat(fixtures().run(failed).error()).isEqualTo("model said no");
    assertThat(fixtures().run(cancelled).status()).isEqualTo("cancelled");
  }

  @Test
  void historyHoldsEachEarlierRunsQuestionAndAnswerUpToTheRunsUserMessage() {
    String thread = fixtures().thread();
    fixtures().queueRun(thread, "first question");
    fixtures().queueRun(thread, "second question"); // sent before the first answer was written
    ClaimedRun first = claim(ME);
    store().complete(first, "first answer", "stop", 1, clock.instant()).orElseThrow();
    ClaimedRun second = claim(ME);
    fixtures().queueRun(thread, "third question, later");

    assertThat(store().history(second))
        .containsExactly(
            new ChatMessage("user", "first question"),
            new ChatMessage("assistant", "first answer"),
            new ChatMessage("user", "second question"));
  }

  @Test
  void takesOverTheRunsOfADeadExecutor() throws Exception {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    Connection liveness = fixtures().holdLivenessLock(OTHER);
    fixtures().markRunning(runId, OTHER, clock.instant().plus(LEASE));
    liveness.close(); // the process died: the server frees its lock once the backend exits

    List<TakenOverRun> taken =
        await("the dead session's lock is freed")
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> store().takeOverOrphans(ME, clock.instant(), LEASE, 10), t -> !t.isEmpty());

    assertThat(taken)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.disposition()).isEqualTo(Disposition.RESUME);
              assertThat(t.run().runId()).isEqualTo(runId);
              assertThat(t.run().executorId()).isEqualTo(ME);
              assertThat(t.run().epoch()).isEqualTo(2);
              // a takeover is not a model attempt: relays dying must not use up the retry limit
              assertThat(t.run().attempts()).isEqualTo(1);
              // what takeover latency is measured from (minus the lease)
              assertThat(t.previousLeaseExpiresAt())
                  .isCloseTo(clock.instant().plus(LEASE), within(1, ChronoUnit.MILLIS));
            });
    assertThat(fixtures().run(runId).executorId()).isEqualTo(ME);
  }

  @Test
  void leavesALiveExecutorWithAFreshLeaseAloneButTakesOverWhenItsLeaseExpires() throws Exception {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    try (Connection ignored = fixtures().holdLivenessLock(OTHER)) {
      fixtures().markRunning(runId, OTHER, clock.instant().plus(LEASE));

      assertThat(store().takeOverOrphans(ME, clock.instant(), LEASE, 10)).isEmpty();
      assertThat(fixtures().run(runId).executorId()).isEqualTo(OTHER);

      clock.advance(LEASE.plusMillis(1)); // alive but silent (paused, cut off)
      assertThat(store().takeOverOrphans(ME, clock.instant(), LEASE, 10))
          .extracting(t -> t.run().runId())
          .containsExactly(runId);
    }
  }

  @Test
  void takesOverItsOwnRunsOnlyOnceTheirLeaseExpired() {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    claim(ME);

    assertThat(store().takeOverOrphans(ME, clock.instant(), LEASE, 10)).isEmpty();

    clock.advance(LEASE.plusMillis(1)); // dropped by this very process: nobody renews it
    assertThat(store().takeOverOrphans(ME, clock.instant(), LEASE, 10))
        .extracting(t -> t.run().runId())
        .containsExactly(runId);
  }

  @Test
  void twoTakersRacingForOneOrphanExactlyOneWins() throws Exception {
    ExecutorService takers = Executors.newFixedThreadPool(2);
    // both takers are alive: each holds its liveness lock, so neither can take from the winner
    try (Connection a0 = fixtures().holdLivenessLock("taker-a");
        Connection b0 = fixtures().holdLivenessLock("taker-b")) {
      for (int round = 0; round < 100; round++) {
        UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
        fixtures().markRunning(runId, "executor-dead-" + round, clock.instant().plus(LEASE));
        CyclicBarrier start = new CyclicBarrier(2);
        Future<List<TakenOverRun>> a =
            takers.submit(
                () -> {
                  start.await();
                  return store().takeOverOrphans("taker-a", clock.instant(), LEASE, 10);
                });
        Future<List<TakenOverRun>> b =
            takers.submit(
                () -> {
                  start.await();
                  return store().takeOverOrphans("taker-b", clock.instant(), LEASE, 10);
                });
        int won = a.get(10, TimeUnit.SECONDS).size() + b.get(10, TimeUnit.SECONDS).size();
        assertThat(won).as("takeovers in round %d", round).isEqualTo(1);
        assertThat(fixtures().run(runId).epoch()).isEqualTo(2);
        fixtures().execute("update runs set status = 'completed' where id = ?", runId);
      }
    } finally {
      takers.shutdownNow();
    }
  }

  @Test
  void recoversItsOwnRunsLeftByItsPreviousProcess() {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    ClaimedRun before = claim(ME);

    List<TakenOverRun> recovered = store().recoverOwn(ME, clock.instant(), LEASE);

    assertThat(recovered)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.disposition()).isEqualTo(Disposition.RESUME);
              assertThat(t.run().runId()).isEqualTo(runId);
              assertThat(t.run().epoch()).isEqualTo(before.epoch() + 1);
            });
    assertThat(store().complete(before, "stale", "stop", 1, clock.instant())).isEmpty();
  }

  @Test
  void takeoversRaiseTheEpochButDoNotUseUpTheRetryLimit() {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    fixtures().markRunning(runId, OTHER, clock.instant().plus(LEASE));

    // more takeovers than any retry limit: the owner dies each time, the other one takes over
    for (int takeover = 1; takeover <= 7; takeover++) {
      String survivor = takeover % 2 == 1 ? ME : OTHER;
      assertThat(store().takeOverOrphans(survivor, clock.instant(), LEASE, 10))
          .as("takeover %d", takeover)
          .singleElement()
          .extracting(TakenOverRun::disposition)
          .isEqualTo(Disposition.RESUME);
    }

    assertThat(fixtures().run(runId).epoch()).isEqualTo(8);
    assertThat(fixtures().run(runId).attempts()).isEqualTo(1);
    assertThat(fixtures().run(runId).status()).isEqualTo("running");
  }

  @Test
  void failsANonRetryableOrphanInsteadOfReplayingIt() {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello", false, false);
    fixtures().markRunning(runId, OTHER, clock.instant().plus(LEASE));

    List<TakenOverRun> taken = store().takeOverOrphans(ME, clock.instant(), LEASE, 10);

    assertThat(taken)
        .singleElement()
        .extracting(TakenOverRun::disposition)
        .isEqualTo(Disposition.FAILED_NOT_RETRYABLE);
    assertThat(fixtures().run(runId).status()).isEqualTo("failed");
    assertThat(fixtures().run(runId).error()).isEqualTo(TakenOverRun.NOT_RETRYABLE_ERROR);
    assertThat(fixtures().run(runId).attempts()).isEqualTo(1);
  }

  @Test
  void cancelsAnOrphanWhoseCancelWasRequested() {
    UUID runId = fixtures().queueRun(fixtures().thread(), "hello");
    fixtures().markRunning(runId, OTHER, clock.instant().plus(LEASE));
    fixtures().execute("update runs set cancel_requested = true where id = ?", runId);

    assertThat(store().takeOverOrphans(ME, clock.instant(), LEASE, 10))
        .singleElement()
        .extracting(TakenOverRun::disposition)
        .isEqualTo(Disposition.CANCELLED);
    assertThat(fixtures().run(runId).status()).isEqualTo("cancelled");
  }

  @Test
  void renewingLeasesReportsLostRunsAndRequestedCancels() {
    UUID kept = fixtures().queueRun(fixtures().thread(), "a");
    UUID lost = fixtures().queueRun(fixtures().thread(), "b");
    ClaimedRun one = claim(ME);
    ClaimedRun two = claim(ME);
    fixtures().stealRun(lost, OTHER);
    fixtures().execute("update runs set cancel_requested = true where id = ?", kept);

    List<LeaseRenewal> renewed =
        store().renewLeases(ME, List.of(one, two), clock.instant().plusSeconds(1), LEASE);

    assertThat(renewed)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.runId()).isEqualTo(kept);
              assertThat(r.cancelRequested()).isTrue();
            });
  }
}
