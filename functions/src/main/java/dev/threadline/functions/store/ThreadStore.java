package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The run store, as functions see it. Every read is scoped to an owner: another owner's thread is
 * indistinguishable from a missing one. Losing a race (idempotency key, thread id) is an outcome,
 * not an error.
 */
public interface ThreadStore {

  CreateOutcome createThread(ThreadId id, String owner, String title, Instant now);

  Optional<ThreadSnapshot> findThread(ThreadId id, String owner);

  Optional<ThreadActivity> findActivity(ThreadId id, String owner);

  /**
   * User message + queued run in one transaction, with the relays' wake-up ({@code RunWakeUp})
   * taking effect only if it commits; or nothing at all: nothing when the key was used before (the
   * first run for the same request, KeyReused for another) or when the owner already has {@link
   * NewSubmission#maxActiveRuns()} active runs (counted under a lock that serialises the owner's
   * submits).
   */
  SubmitOutcome submit(NewSubmission submission, Instant now);

  Optional<RunRow> findRun(ThreadId threadId, UUID runId, String owner);

  /**
   * One cheap read by run id, for a stream that follows the run (its owner was checked when the
   * client attached). Empty when the thread has no such run.
   */
  Optional<RunState> findRunState(ThreadId threadId, UUID runId);

  /**
   * The runs of the thread submitted after {@code after} and before {@code before} that ran and
   * ended, in submission order (at most 100): what a stream whose tail was held up while they ran
   * and were purged never read.
   */
  List<RunState> endedRunsBetween(ThreadId threadId, UUID after, UUID before);

  /**
   * The run whose reply held the subject's event at {@code sequence}: the one whose latest reset is
   * the last at or before it. Empty when no run of the thread recorded one that early.
   */
  Optional<UUID> runAtSequence(ThreadId threadId, long sequence);

  /**
   * A queued run becomes cancelled at once; a running one gets {@code cancel_requested} and a
   * NOTIFY for its executor; a finished one is left as it is.
   *
   * @return the run after the request, empty when there is no such run for this owner
   */
  Optional<RunRow> requestCancel(ThreadId threadId, UUID runId, String owner, Instant now);

  /**
   * Runs in {@code status} across all owners, oldest first, at most {@code limit}: operators only.
   */
  List<RunOverviewRow> runsByStatus(RunStatus status, int limit);
}
