package dev.threadline.functions.store;

import dev.threadline.functions.wakeup.RunWakeUp;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
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
  private final RunRepository runs;
  private final ThreadReads reads;
  private final RunWakeUp wakeUp;

  JdbcThreadStore(
      StoreTransactions transactions,
      ThreadRepository threads,
      RunRepository runs,
      ThreadReads reads,
      RunWakeUp wakeUp) {
    this.transactions = transactions;
    this.threads = threads;
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
          // takes effect at the commit, so it may come before the run exists: not under the lock
          wakeUp.runQueued(threadId);
          // Only the count and the inserts need the owner's lock, which is held until the commit:
          // it serialises all of one owner's submits, so nothing that can run before it does.
          runs.lockOwner(owner);
          if (!queueUnderQuota(status.getConnection(), submission, now)) {
            status.setRollbackOnly();
            // a request with the same key committed after our look-up above (we waited for it at
            // the owner's lock or at the unique index) is a replay; otherwise the owner is full
            SubmitOutcome overQuota = new SubmitOutcome.OverQuota(submission.maxActiveRuns());
            return submission.idempotencyKey() == null
                ? overQuota
                : answerOfFirstRequest(submission).orElse(overQuota);
          }
          return new SubmitOutcome.Accepted(submission.runId());
        });
  }

  /**
   * {@link StoreSql#QUEUE_UNDER_QUOTA} on the transaction's connection, by hand: a repository
   * method is one operation, and this statement counts and inserts into two tables in one round
   * trip, which is what keeps the owner's lock short.
   */
  private static boolean queueUnderQuota(
      Connection connection, NewSubmission submission, Instant now) {
    try (PreparedStatement queue = connection.prepareStatement(StoreSql.QUEUE_UNDER_QUOTA)) {
      int limit = submission.maxActiveRuns();
      queue.setString(1, submission.owner());
      queue.setInt(2, limit);
      queue.setObject(3, submission.runId());
      queue.setString(4, submission.threadId().value());
      queue.setString(5, submission.model());
      queue.setString(6, submission.idempotencyKey());
      queue.setBoolean(7, submission.retryable());
      queue.setTimestamp(8, Timestamp.from(now));
      queue.setInt(9, limit);
      queue.setObject(10, submission.messageId());
      queue.setString(11, submission.content());
      return queue.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new ThreadStoreException(
          "queueing a run on thread " + submission.threadId() + ": " + e.getMessage(), e);
    }
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
                        runState(
                            runId,
                            state.status(),
                            state.epoch(),
                            state.error(),
                            state.finishReason(),
                            state.assistantMessageId(),
                            state.assistantContent(),
                            state.finishedAgoMs())));
  }

  @Override
  public Optional<UUID> runAtSequence(ThreadId threadId, long sequence) {
    return transactions.singleStatement(
        "finding the run at sequence " + sequence,
        () -> runs.findRunAtSequence(threadId.value(), sequence));
  }

  @Override
  public List<RunState> endedRunsBetween(ThreadId threadId, UUID after, UUID before) {
    return transactions.singleStatement(
        "reading the runs between " + after + " and " + before,
        () ->
            runs.findEndedBetween(threadId.value(), after, before).stream()
                .map(
                    run ->
                        runState(
                            run.id(),
                            run.status(),
                            run.epoch(),
                            run.error(),
                            run.finishReason(),
                            run.assistantMessageId(),
                            run.assistantContent(),
                            run.finishedAgoMs()))
                .toList());
  }

  private static RunState runState(
      UUID runId,
      String status,
      long epoch,
      String error,
      String finishReason,
      UUID assistantMessageId,
      String assistantContent,
      Long finishedAgoMs) {
    return new RunState(
        runId,
        RunStatus.fromWire(status),
        epoch,
        error,
        finishReason,
        assistantMessageId,
        assistantContent,
        finishedAgoMs == null ? null : Duration.ofMillis(Math.max(0, finishedAgoMs)));
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
