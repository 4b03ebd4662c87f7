package dev.threadline.functions.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link ThreadStore} adapter must do; run against each adapter. */
abstract class ThreadStoreContract {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  protected abstract ThreadStore store();

  /** Marks a run as claimed by an executor, as the relay would. */
  protected abstract void markRunning(UUID runId);

  /** Marks a run as started and then failed, as the relay would. */
  protected abstract void markRanAndFailed(UUID runId);

  /** Records where the run's reply starts on its subject, as the relay would. */
  protected abstract void markReplyFrom(UUID runId, long sequence);

  private ThreadId newThread(String owner) {
    ThreadId id = new ThreadId("c-" + UUID.randomUUID());
    assertThat(store().createThread(id, owner, "t", NOW)).isInstanceOf(CreateOutcome.Created.class);
    return id;
  }

  private NewSubmission submission(ThreadId thread, String owner, String key) {
    return new NewSubmission(
        thread, owner, UUID.randomUUID(), UUID.randomUUID(), "hi", "m", key, true);
  }

  @Test
  void aRunKeepsItsRetryability() {
    ThreadId id = newThread("ann");
    NewSubmission once =
        new NewSubmission(id, "ann", UUID.randomUUID(), UUID.randomUUID(), "hi", "m", null, false);
    store().submit(once, NOW);
    assertThat(store().findRun(id, once.runId(), "ann")).map(RunRow::retryable).hasValue(false);
    UUID other =
        ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();
    assertThat(store().findRun(id, other, "ann")).map(RunRow::retryable).hasValue(true);
  }

  @Test
  void aRunsStateIsReadByRunIdWithinItsThread() {
    ThreadId id = newThread("ann");
    UUID run = ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();
    assertThat(store().findRunState(id, run))
        .hasValueSatisfying(
            state -> {
              assertThat(state.status()).isEqualTo(RunStatus.QUEUED);
              assertThat(state.finishedAgo()).isNull();
              assertThat(state.assistantMessageId()).isNull();
            });

    store().requestCancel(id, run, "ann", NOW);
    assertThat(store().findRunState(id, run))
        .hasValueSatisfying(
            state -> {
              assertThat(state.status()).isEqualTo(RunStatus.CANCELLED);
              assertThat(state.finishedAgo()).as("cancelled at NOW, in the past").isPositive();
            });
    assertThat(store().findRunState(newThread("ann"), run)).as("another thread's run").isEmpty();
  }

  @Test
  void creatingAnExistingIdTellsWhoseItIs() {
    ThreadId id = newThread("ann");
    assertThat(store().createThread(id, "ann", "other title", NOW))
        .isEqualTo(new CreateOutcome.AlreadyYours(new ThreadRow(id, "ann", "t", NOW)));
    assertThat(store().createThread(id, "ben", null, NOW))
        .isInstanceOf(CreateOutcome.TakenByOther.class);
  }

  @Test
  void readsAreScopedToTheOwner() {
    ThreadId id = newThread("ann");
    UUID run = ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();
    assertThat(store().findThread(id, "ben")).isEmpty();
    assertThat(store().findActivity(id, "ben")).isEmpty();
    assertThat(store().findRun(id, run, "ben")).isEmpty();
    assertThat(store().requestCancel(id, run, "ben", NOW)).isEmpty();
    assertThat(store().findRun(id, run, "ann")).map(RunRow::status).hasValue(RunStatus.QUEUED);
  }

  @Test
  void aSubmissionMakesTheThreadActiveWithItsMessage() {
    ThreadId id = newThread("ann");
    assertThat(store().findActivity(id, "ann")).hasValue(new ThreadActivity(null));
    UUID run = ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();

    ThreadSnapshot snapshot = store().findThread(id, "ann").orElseThrow();
    assertThat(snapshot.activeRunId()).isEqualTo(run);
    assertThat(snapshot.messages())
        .singleElement()
        .satisfies(m -> assertThat(m.runId()).isEqualTo(run))
        .satisfies(m -> assertThat(m.createdAt()).isEqualTo(NOW));
  }

  @Test
  void aRepeatedIdempotencyKeyReplaysTheFirstRun() {
    ThreadId id = newThread("ann");
    SubmitOutcome first = store().submit(submission(id, "ann", "k"), NOW);
    SubmitOutcome again = store().submit(submission(id, "ann", "k"), NOW);
    assertThat(again)
        .isEqualTo(new SubmitOutcome.Replayed(((SubmitOutcome.Accepted) first).runId()));
    assertThat(store().findThread(id, "ann").orElseThrow().messages()).hasSize(1);
  }

  @Test
  void submittingToAnotherOwnersThreadFindsNoThread() {
    ThreadId id = newThread("ann");
    assertThat(store().submit(submission(id, "ben", null), NOW))
        .isInstanceOf(SubmitOutcome.NoSuchThread.class);
    assertThat(store().findThread(id, "ann").orElseThrow().messages()).isEmpty();
  }

  @Test
  void cancelCancelsQueuedRunsFlagsRunningOnesAndLeavesFinishedOnes() {
    ThreadId id = newThread("ann");
    UUID queued =
        ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();
    assertThat(store().requestCancel(id, queued, "ann", NOW))
        .map(RunRow::status)
        .hasValue(RunStatus.CANCELLED);
    assertThat(store().requestCancel(id, queued, "ann", NOW))
        .map(RunRow::status)
        .as("idempotent")
        .hasValue(RunStatus.CANCELLED);

    UUID running =
        ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();
    markRunning(running);
    assertThat(store().requestCancel(id, running, "ann", NOW))
        .map(RunRow::status)
        .hasValue(RunStatus.RUNNING);
  }

  @Test
  void theRunsThatRanAndEndedBetweenTwoRunsAreListedInSubmissionOrder() {
    ThreadId id = newThread("ann");
    UUID first = submitted(id);
    UUID ran = submitted(id);
    UUID cancelledWhileQueued = submitted(id);
    UUID alsoRan = submitted(id);
    UUID last = submitted(id);
    markRanAndFailed(ran);
    store().requestCancel(id, cancelledWhileQueued, "ann", NOW);
    markRanAndFailed(alsoRan);

    assertThat(store().endedRunsBetween(id, first, last))
        .extracting(RunState::runId, RunState::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ran, RunStatus.FAILED),
            org.assertj.core.groups.Tuple.tuple(alsoRan, RunStatus.FAILED));
    assertThat(store().endedRunsBetween(id, ran, alsoRan)).as("a queued run never ran").isEmpty();
    assertThat(store().endedRunsBetween(newThread("ann"), first, last)).isEmpty();
  }

  private UUID submitted(ThreadId id) {
    return ((SubmitOutcome.Accepted) store().submit(submission(id, "ann", null), NOW)).runId();
  }

  @Test
  void theRunAtASequenceIsTheOneWhoseReplyStartedLastAtOrBeforeIt() {
    ThreadId id = newThread("ann");
    UUID first = submitted(id);
    UUID second = submitted(id);
    UUID notStarted = submitted(id);
    markReplyFrom(first, 10);
    markReplyFrom(second, 20);

    assertThat(store().runAtSequence(id, 9)).isEmpty();
    assertThat(store().runAtSequence(id, 10)).hasValue(first);
    assertThat(store().runAtSequence(id, 19)).hasValue(first);
    assertThat(store().runAtSequence(id, 500)).hasValue(second);
    assertThat(store().runAtSequence(newThread("ann"), 500)).isEmpty();
    assertThat(notStarted).isNotNull();
  }
}
