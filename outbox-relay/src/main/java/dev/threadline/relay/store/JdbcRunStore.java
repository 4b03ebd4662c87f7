package dev.threadline.relay.store;

import dev.threadline.completion.ChatMessage;
import dev.threadline.relay.store.RunRepository.OrphanRow;
import dev.threadline.relay.store.TakenOverRun.Disposition;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The run store on PostgreSQL, over {@link RunRepository} (SQL in {@link RunSql}) and Micronaut's
 * transaction manager.
 */
@Singleton
public class JdbcRunStore implements RunStore {

  private static final String UNIQUE_VIOLATION = "23505";

  private final RunRepository runs;
  private final TransactionOperations<Connection> transactions;
  private final IdGenerator ids;

  public JdbcRunStore(
      RunRepository runs, TransactionOperations<Connection> transactions, IdGenerator ids) {
    this.runs = runs;
    this.transactions = transactions;
    this.ids = ids;
  }

  @Override
  public Optional<ClaimedRun> claimNext(String executorId, Instant now, Duration lease) {
    try {
      return Optional.ofNullable(runs.claimNext(executorId, now.plus(lease), now))
          .map(RunEntity::claimed);
    } catch (RuntimeException e) {
      if (UNIQUE_VIOLATION.equals(sqlState(e))) {
        return Optional.empty(); // another executor started a run of that thread first
      }
      throw new RunStoreException("claiming the next queued run", e);
    }
  }

  @Override
  public List<TakenOverRun> takeOverOrphans(
      String executorId, Instant now, Duration lease, int limit) {
    List<TakenOverRun> taken = new ArrayList<>();
    return translated(
        "taking over orphaned runs",
        () -> {
          // Each orphan in its own transaction: the liveness probe's try-lock lasts until commit.
          for (int probed = 0; probed < limit; probed++) {
            Optional<Optional<TakenOverRun>> found =
                transactions.executeWrite(
                    status ->
                        runs.findOrphan(now, executorId).stream()
                            .findFirst()
                            .map(orphan -> takeOver(orphan, executorId, now, lease)));
            if (found.isEmpty()) {
              break;
            }
            found.get().ifPresent(taken::add);
          }
          return taken;
        });
  }

  @Override
  public List<TakenOverRun> recoverOwn(String executorId, Instant now, Duration lease) {
    return translated(
        "recovering the runs of executor " + executorId,
        () -> {
          List<TakenOverRun> taken = new ArrayList<>();
          for (OrphanRow own : runs.findOwnRunning(executorId)) {
            takeOver(own, executorId, now, lease).ifPresent(taken::add);
          }
          return taken;
        });
  }

  private Optional<TakenOverRun> takeOver(
      OrphanRow orphan, String executorId, Instant now, Duration lease) {
    RunEntity run =
        runs.takeOver(
            executorId,
            TakenOverRun.NOT_RETRYABLE_ERROR,
            now,
            now.plus(lease),
            orphan.id(),
            orphan.executorId(),
            orphan.epoch());
    if (run == null) {
      return Optional.empty(); // someone else took it first
    }
    Disposition disposition =
        switch (run.status()) {
          case "cancelled" -> Disposition.CANCELLED;
          case "failed" -> Disposition.FAILED_NOT_RETRYABLE;
          default -> Disposition.RESUME;
        };
    return Optional.of(new TakenOverRun(run.claimed(), disposition, orphan.leaseExpiresAt()));
  }

  @Override
  public List<LeaseRenewal> renewLeases(
      String executorId, List<ClaimedRun> claimed, Instant now, Duration lease) {
    if (claimed.isEmpty()) {
      return List.of();
    }
    String[] runIds = claimed.stream().map(run -> run.runId().toString()).toArray(String[]::new);
    long[] epochs = claimed.stream().mapToLong(ClaimedRun::epoch).toArray();
    return translated(
        "renewing " + claimed.size() + " leases of " + executorId,
        () ->
            runs.renewLeases(now.plus(lease), executorId, runIds, epochs).stream()
                .map(run -> new LeaseRenewal(run.id(), run.epoch(), run.cancelRequested()))
                .toList());
  }

  @Override
  public Optional<ClaimedRun> restart(ClaimedRun run, Instant now, Duration lease) {
    return translated(
        "restarting run " + run.runId(),
        () ->
            Optional.ofNullable(
                    runs.restart(now.plus(lease), run.runId(), run.executorId(), run.epoch()))
                .map(RunEntity::claimed));
  }

  @Override
  public List<ChatMessage> history(ClaimedRun run) {
    return translated(
        "reading the history of run " + run.runId(),
        () ->
            runs.history(run.threadId().value(), run.runId()).stream()
                .map(row -> new ChatMessage(row.role(), row.content()))
                .toList());
  }

  @Override
  public Optional<UUID> complete(
      ClaimedRun run, String content, String finishReason, int chunksPublished, Instant now) {
    UUID messageId = ids.newId();
    return translated(
        "completing run " + run.runId(),
        () ->
            transactions.executeWrite(
                status -> {
                  if (runs.complete(
                          finishReason,
                          chunksPublished,
                          now,
                          run.runId(),
                          run.executorId(),
                          run.epoch())
                      == 0) {
                    return Optional.<UUID>empty(); // taken over: nothing written
                  }
                  runs.insertAssistantMessage(
                      messageId, run.threadId().value(), content, run.runId(), now);
                  return Optional.of(messageId);
                }));
  }

  @Override
  public boolean recordReplyStart(ClaimedRun run, long resetSequence) {
    return translated(
        "recording where run " + run.runId() + " starts its reply",
        () ->
            runs.recordReplyStart(resetSequence, run.runId(), run.executorId(), run.epoch()) == 1);
  }

  @Override
  public boolean isLatestStart(ClaimedRun run) {
    return translated(
        "checking that run " + run.runId() + " still owns its thread",
        () -> runs.isLatestStart(run.runId(), run.executorId(), run.epoch()));
  }

  @Override
  public boolean fail(ClaimedRun run, String error, Instant now) {
    return translated(
        "failing run " + run.runId(),
        () -> runs.fail(error, now, run.runId(), run.executorId(), run.epoch()) == 1);
  }

  @Override
  public boolean cancel(ClaimedRun run, Instant now) {
    return translated(
        "cancelling run " + run.runId(),
        () -> runs.cancel(now, run.runId(), run.executorId(), run.epoch()) == 1);
  }

  @Override
  public void registerExecutor(String executorId, Instant now) {
    translated(
        "registering executor " + executorId,
        () -> {
          runs.registerExecutor(executorId, now);
          return null;
        });
  }

  @Override
  public void heartbeat(String executorId, Instant now) {
    translated(
        "heartbeat of executor " + executorId,
        () -> {
          runs.heartbeat(now, executorId);
          return null;
        });
  }

  @Override
  public void executorStopped(String executorId, Instant now) {
    translated(
        "stopping executor " + executorId,
        () -> {
          runs.executorStopped(now, executorId);
          return null;
        });
  }

  /** Runs {@code work}, wrapping what the database threw with what was being done. */
  private static <T> T translated(String what, Supplier<T> work) {
    try {
      return work.get();
    } catch (RunStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new RunStoreException(what, e);
    }
  }

  private static String sqlState(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql) {
        return sql.getSQLState();
      }
    }
    return null;
  }
}
