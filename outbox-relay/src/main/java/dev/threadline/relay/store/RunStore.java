package dev.threadline.relay.store;

import dev.threadline.completion.ChatMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The run store seam, as the relay sees it: claims, leases, takeovers and terminal writes. Losing a
 * race is a normal outcome, returned as empty or false, never thrown.
 */
public interface RunStore {

  /**
   * Claims the oldest queued run of a thread that has no running run: sets the owner, raises the
   * epoch, counts an attempt and sets the lease. Empty when there is nothing to claim or another
   * executor won.
   */
  Optional<ClaimedRun> claimNext(String executorId, Instant now, Duration lease);

  /**
   * Takes over, in one transaction each, running runs whose owner is dead (its liveness lock is
   * free) or silent (its lease expired before {@code now}): a compare-and-set on (executor, epoch)
   * that raises the epoch. At most {@code limit} runs; this executor's own only once their lease
   * expired (a run it dropped, or a pause it slept through). A run whose cancel was requested is
   * cancelled, a non-retryable one failed, in the same transaction.
   */
  List<TakenOverRun> takeOverOrphans(String executorId, Instant now, Duration lease, int limit);

  /**
   * Takes over this executor's own running runs, left behind by its previous process; call only
   * while holding the executor's liveness lock. Same dispositions as {@link #takeOverOrphans}.
   */
  List<TakenOverRun> recoverOwn(String executorId, Instant now, Duration lease);

  /**
   * Extends the lease of the given runs where this executor still owns them at that epoch.
   *
   * @return per run still owned, whether its cancel was requested; runs missing were lost
   */
  List<LeaseRenewal> renewLeases(
      String executorId, List<ClaimedRun> runs, Instant now, Duration lease);

  /** Starts the run over at a higher epoch (a retry after a transient failure). Empty when lost. */
  Optional<ClaimedRun> restart(ClaimedRun run, Instant now, Duration lease);

  /** The thread's messages up to and including the user message of this run, oldest first. */
  List<ChatMessage> history(ClaimedRun run);

  /**
   * In one transaction: writes the assistant message and marks the run completed, only where the
   * epoch is still ours. Empty (and nothing written) when the run was taken over.
   */
  Optional<UUID> complete(
      ClaimedRun run, String content, String finishReason, int chunksPublished, Instant now);

  /**
   * True while the run is still ours at its epoch (running, or ended by us) and no later run of its
   * thread has been claimed: what a reply's start must confirm before it publishes.
   */
  boolean isLatestStart(ClaimedRun run);

  /**
   * Records where this epoch's reply starts on the thread's subject (its reset's stream sequence),
   * where the epoch is still ours; false otherwise. Streams that resume after a purged event read
   * it to tell which run that event belonged to.
   */
  boolean recordReplyStart(ClaimedRun run, long resetSequence);

  /** Marks the run failed with {@code error}, where the epoch is still ours. */
  boolean fail(ClaimedRun run, String error, Instant now);

  /** Marks the run cancelled, where the epoch is still ours. */
  boolean cancel(ClaimedRun run, Instant now);

  /** Registers the executor as alive; call only while holding its liveness lock. */
  void registerExecutor(String executorId, Instant now);

  /** Stamps the executor's registry row; for operators, liveness is the lock. */
  void heartbeat(String executorId, Instant now);

  /** Stamps the registry row as stopped; leaves its runs as they are. */
  void executorStopped(String executorId, Instant now);
}
