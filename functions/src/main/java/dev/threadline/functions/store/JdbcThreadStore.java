package dev.threadline.functions.store;

import dev.threadline.functions.wakeup.RunWakeUp;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The PostgreSQL adapter of {@link ThreadStore}: each port method is one transaction ({@link
 * StoreTransactions}) over the repositories; their SQL is in {@link StoreSql}.
 */
@Singleton
public class JdbcThreadStore implements ThreadStore {

  private final StoreTransactions transactions;
  private final ThreadRepository threads;
  private final MessageRepository messages;
  private final RunRepository runs;
  private final ThreadReads reads;
  private final RunWakeUp wakeUp;

  JdbcThreadStore(
      StoreTransactions transactions,
      ThreadRepository threads,
      MessageRepository messages,
      RunRepository runs,
      ThreadReads reads,
      RunWakeUp wakeUp) {
    this.transactions = transactions;
    this.threads = threads;
    this.messages = messages;
    this.runs = runs;
    this.reads = reads;
    this.wakeUp = wakeUp;
  }

  @Override
  public CreateOutcome createThread(ThreadId id, String owner, String title, Instant now) {
    return transactions.write(
        "creating thread " + id,
        status -> {
          if (threads.insertIfAbsent(id.value(), owner, title, now) == 1) {
            return new CreateOutcome.Created(new ThreadRow(id, owner, title, now));
          }
          ThreadRow existing = reads.thread(id).orElseThrow();
          return existing.owner().equals(owner)
              ? new CreateOutcome.AlreadyYours(existing)
              : new CreateOutcome.TakenByOther();
        });
  }

  @Override
  public Optional<ThreadSnapshot> findThread(ThreadId id, String owner) {
    return transactions.read(
        "reading thread " + id,
        status ->
            reads
                .owned(id, owner)
                .map(
                    thread ->
                        new ThreadSnapshot(
                            thread,
                            reads.messagesBefore(id, null, MessagePage.MAX_SIZE),
                            runs.findActiveRunId(id.value()).orElse(null))));
  }

  @Override
  public Optional<ThreadActivity> findActivity(ThreadId id, String owner) {
    return transactions.read(
        "reading status of thread " + id,
        status ->
            reads
                .owned(id, owner)
                .map(thread -> new ThreadActivity(runs.findActiveRunId(id.value()).orElse(null))));
  }

  @Override
  public SubmitOutcome submit(NewSubmission submission, Instant now) {
    ThreadId threadId = submission.threadId();
    String owner = submission.owner();
    return transactions.write(
        "submitting a message to thread " + threadId,
        status -> {
          if (threads
              .findByIdKeyShare(threadId.value())
              .filter(thread -> thread.owner().equals(owner))
              .isEmpty()) {
            status.setRollbackOnly();
            return new SubmitOutcome.NoSuchThread();
          }
          if (submission.idempotencyKey() != null) {
            Optional<SubmitOutcome> earlier = answerOfFirstRequest(submission);
            if (earlier.isPresent()) {
              status.setRollbackOnly();
              return earlier.get();
            }
          }
          // Only the count and the inserts need the owner's lock, which is held until the commit:
          // it serialises all of one owner's submits, so nothing that can run before it does.
          runs.lockOwner(owner);
          int limit = submission.maxActiveRuns();
          if (runs.countActiveOfOwner(owner, limit) >= limit) {
            status.setRollbackOnly();
            // a retry of a request that committed while we waited for the lock is a replay
            return submission.idempotencyKey() == null
                ? new SubmitOutcome.OverQuota(limit)
                : answerOfFirstRequest(submission).orElse(new SubmitOutcome.OverQuota(limit));
          }
          if (runs.insertIfKeyFree(
                  submission.runId(),
                  threadId.value(),
                  submission.model(),
                  submission.idempotencyKey(),
                  submission.retryable(),
                  now)
              == 0) {
            // a request with the same key committed after our look-up above (we waited for it at
            // the owner's lock or at the unique index): answered as a replay
            status.setRollbackOnly();
            return answerOfFirstRequest(submission).orElseThrow();
          }
          messages.insert(
              submission.messageId(),
              threadId.value(),
              "user",
              submission.content(),
              submission.runId(),
              now);
          wakeUp.runQueued(threadId);
          return new SubmitOutcome.Accepted(submission.runId());
        });
  }

  /** Replayed when the key's first request asked for exactly this, KeyReused otherwise. */
  private Optional<SubmitOutcome> answerOfFirstRequest(NewSubmission submission) {
    return runs.findFirstRequest(submission.threadId().value(), submission.idempotencyKey())
        .map(
            first ->
                submission.sameRequestAs(first.content(), first.model(), first.retryable())
                    ? new SubmitOutcome.Replayed(first.runId())
                    : new SubmitOutcome.KeyReused());
  }

  @Override
  public Optional<RunRow> findRun(ThreadId threadId, UUID runId, String owner) {
    return transactions.read(
        "reading run " + runId,
        status -> runs.findOwned(runId, threadId.value(), owner).map(RunEntity::row));
  }

  @Override
  public Optional<RunState> findRunState(ThreadId threadId, UUID runId) {
    return transactions.singleStatement(
        "reading the state of run " + runId,
        () ->
            runs.findState(runId, threadId.value())
                .map(
                    state ->
                        new RunState(
                            runId,
                            RunStatus.fromWire(state.status()),
                            state.epoch(),
                            state.error(),
                            state.finishReason(),
                            state.assistantMessageId(),
                            state.assistantContent(),
                            state.finishedAgoMs() == null
                                ? null
                                : Duration.ofMillis(Math.max(0, state.finishedAgoMs())))));
  }

  @Override
  public Optional<RunRow> requestCancel(ThreadId threadId, UUID runId, String owner, Instant now) {
    return transactions.write(
        "cancelling run " + runId,
        status -> {
          Optional<RunRow> found =
              runs.findOwnedLocked(runId, threadId.value(), owner).map(RunEntity::row);
          if (found.isEmpty()) {
            status.setRollbackOnly();
            return Optional.empty();
          }
          switch (found.get().status()) {
            case QUEUED -> runs.cancelQueued(runId, now);
            case RUNNING -> {
              runs.requestCancel(runId);
              runs.sendNotification(RunNotifications.CANCEL_REQUESTED, runId.toString());
            }
            default -> {
              // finished: nothing to cancel, nothing written
              status.setRollbackOnly();
              return found;
            }
          }
          return runs.findOwned(runId, threadId.value(), owner).map(RunEntity::row);
        });
  }

  @Override
  public List<RunOverviewRow> runsByStatus(RunStatus status, int limit) {
    return transactions.singleStatement(
        "listing " + status.wire() + " runs",
        () ->
            runs.findOverview(status.wire(), limit).stream()
                .map(
                    run ->
                        new RunOverviewRow(
                            run.id(),
                            new ThreadId(run.threadId()),
                            RunStatus.fromWire(run.status()),
                            run.executorId(),
                            run.epoch(),
                            run.attempts(),
                            run.createdAt(),
                            run.startedAt(),
                            run.leaseExpiresAt(),
                            run.leaseExpiresInMs(),
                            run.executorHeartbeatAgeMs()))
                .toList());
  }
}
