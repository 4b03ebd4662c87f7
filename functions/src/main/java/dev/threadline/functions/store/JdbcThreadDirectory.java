package dev.threadline.functions.store;

import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The PostgreSQL adapter of {@link ThreadDirectory}, over the repositories. */
@Singleton
public class JdbcThreadDirectory implements ThreadDirectory {

  /** A deadlock with a relay or a submit on the same thread: the delete is tried again. */
  private static final String DEADLOCK = "40P01";

  private static final int DELETE_ATTEMPTS = 3;

  private final StoreTransactions transactions;
  private final ThreadRepository threads;
  private final MessageRepository messages;
  private final RunRepository runs;
  private final ThreadReads reads;

  JdbcThreadDirectory(
      StoreTransactions transactions,
      ThreadRepository threads,
      MessageRepository messages,
      RunRepository runs,
      ThreadReads reads) {
    this.transactions = transactions;
    this.threads = threads;
    this.messages = messages;
    this.runs = runs;
    this.reads = reads;
  }

  @Override
  public ThreadPage listThreads(String owner, ThreadListPosition after, int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new IllegalArgumentException("limit must be 1 to " + MAX_PAGE);
    }
    List<ThreadSummaryRow> rows =
        transactions.singleStatement(
            "listing threads",
            () ->
                threads
                    .listOfOwner(
                        owner,
                        after == null ? null : after.updatedAt(),
                        after == null ? "" : after.id().value(),
                        limit + 1)
                    .stream()
                    .map(
                        entry ->
                            new ThreadSummaryRow(
                                new ThreadId(entry.id()),
                                entry.title(),
                                entry.inProgress(),
                                entry.updatedAt()))
                    .toList());
    if (rows.size() <= limit) {
      return new ThreadPage(rows, Optional.empty());
    }
    List<ThreadSummaryRow> page = rows.subList(0, limit);
    return new ThreadPage(page, Optional.of(page.get(limit - 1).position()));
  }

  @Override
  public Optional<MessagePage> olderMessages(ThreadId id, String owner, long beforeSeq, int limit) {
    if (limit < 1 || limit > MessagePage.MAX_SIZE) {
      throw new IllegalArgumentException("limit must be 1 to " + MessagePage.MAX_SIZE);
    }
    return transactions.read(
        "reading older messages of thread " + id,
        status -> reads.owned(id, owner).map(thread -> reads.messagesBefore(id, beforeSeq, limit)));
  }

  @Override
  public Optional<List<UUID>> deleteThread(ThreadId id, String owner) {
    for (int attempt = 1; ; attempt++) {
      try {
        return transactions.write(
            "deleting thread " + id,
            status -> {
              Optional<List<UUID>> deleted = delete(id, owner);
              if (deleted.isEmpty()) {
                status.setRollbackOnly();
              }
              return deleted;
            });
      } catch (ThreadStoreException e) {
        if (attempt >= DELETE_ATTEMPTS
            || !(e.getCause() instanceof SQLException sql)
            || !DEADLOCK.equals(sql.getSQLState())) {
          throw e;
        }
      }
    }
  }

  /**
   * Locks in the order the relay does (run rows, then the thread row through the activity trigger),
   * so a completing run and a delete queue rather than deadlock; then the thread row, which holds
   * off new submits (their foreign-key lock waits) until the delete commits.
   */
  private Optional<List<UUID>> delete(ThreadId id, String owner) {
    lockRuns(id);
    if (threads.findByIdLocked(id.value()).filter(t -> t.owner().equals(owner)).isEmpty()) {
      return Optional.empty();
    }
    // runs committed between the two locks are seen now; none can be added any more
    List<UUID> running = lockRuns(id);
    for (UUID run : running) {
      // the same wake-up a cancel sends: the executor aborts its model call at once
      runs.sendNotification(RunNotifications.CANCEL_REQUESTED, run.toString());
    }
    messages.deleteByThreadId(id.value());
    runs.deleteByThreadId(id.value());
    threads.deleteById(id.value());
    return Optional.of(running);
  }

  /** Locks the thread's runs; returns the running ones. */
  private List<UUID> lockRuns(ThreadId id) {
    List<UUID> running = new ArrayList<>();
    for (RunEntity run : runs.lockRunsOfThread(id.value())) {
      if (RunStatus.RUNNING.wire().equals(run.status())) {
        running.add(run.id());
      }
    }
    return running;
  }
}
