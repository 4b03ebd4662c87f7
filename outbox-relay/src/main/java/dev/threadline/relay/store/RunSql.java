package dev.threadline.relay.store;

/**
 * Every SQL statement the relay runs, in one place: the {@code @Query} texts of {@link
 * RunRepository} (named parameters) and the dedicated sessions' statements ({@link
 * DirectConnections}). Each write about a running run is fenced on (id, executor_id, epoch, status
 * = 'running'): zero rows updated means another executor owns it.
 */
final class RunSql {

  private static final String RUN_COLUMNS =
      "id, thread_id, epoch, executor_id, model, attempts, retryable, cancel_requested, status,"
          + " created_at";

  /**
   * The oldest queued run (by seq) of a thread that has no running run and no older queued run,
   * stamped with owner, epoch, attempt and lease in one statement. SKIP LOCKED lets concurrent
   * claimers pass each other; the partial unique index on running runs per thread is the backstop
   * (a unique violation is a lost race).
   *
   * <p>The queued runs of busy threads lie in the scan's way, so each must cost next to nothing:
   * the threads with a running run are read once into a hashed set ({@code not in}; thread_id is
   * never null), not probed per queued run. Measured (README, Claim): with 5,000 runs queued behind
   * one busy thread a claim took about 10 ms with the per-run probe and 2 ms with this.
   */
  static final String CLAIM_NEXT =
      """
      update runs r
         set status = 'running', executor_id = :executorId, epoch = r.epoch + 1,
             attempts = r.attempts + 1, lease_expires_at = :leaseExpiresAt,
             started_at = coalesce(r.started_at, :now)
       where r.id = (
             select q.id from runs q
              where q.status = 'queued'
                and q.thread_id not in (select o.thread_id from runs o where o.status = 'running')
                and not exists (select 1 from runs o
                                 where o.thread_id = q.thread_id and o.status = 'queued'
                                   and o.seq < q.seq)
              order by q.seq
              limit 1
              for update skip locked)
      returning r.id, r.thread_id, r.epoch, r.executor_id, r.model, r.attempts, r.retryable,
                r.cancel_requested, r.status, r.created_at
      """;

  /**
   * A running run whose lease expired (a silent owner, or a run this very process dropped), or of
   * another executor that is dead (the transaction-scoped try-lock on its liveness key succeeds:
   * its session lock is gone). The try-lock is held until this transaction ends, so the owner
   * cannot come back between probe and update.
   */
  static final String FIND_ORPHAN =
      """
      select id, executor_id, epoch, lease_expires_at from runs
       where status = 'running'
         and (lease_expires_at < :now
              or (executor_id <> :executorId
                  and pg_try_advisory_xact_lock(hashtextextended(executor_id, 0))))
       order by seq
       limit 1
       for update skip locked
      """;

  static final String FIND_OWN_RUNNING =
      "select id, executor_id, epoch, lease_expires_at from runs"
          + " where status = 'running' and executor_id = :executorId"
          + " order by seq";

  /**
   * The takeover's compare-and-set on (executor, epoch). A run whose cancel was requested is
   * cancelled, a non-retryable one failed, any other resumed with a new lease. The epoch counts the
   * takeover; {@code attempts} does not: it counts model attempts (claim and retries), which the
   * retry limit caps, and a run must not fail because its relays died (README, How it works:
   * Recovery).
   */
  static final String TAKE_OVER =
      """
      update runs
         set epoch = epoch + 1,
             executor_id = :executorId,
             status = case when cancel_requested then 'cancelled'
                           when not retryable then 'failed'
                           else 'running' end,
             error = case when not cancel_requested and not retryable then :error else error end,
             finished_at = case when cancel_requested or not retryable
                                then cast(:now as timestamptz) else finished_at end,
             lease_expires_at = :leaseExpiresAt
       where id = :runId and executor_id = :previousExecutorId and epoch = :previousEpoch
         and status = 'running'
      returning
      """
          + RUN_COLUMNS;

  static final String RESTART =
      """
      update runs set epoch = epoch + 1, attempts = attempts + 1, lease_expires_at = :leaseExpiresAt
       where id = :runId and executor_id = :executorId and epoch = :epoch and status = 'running'
      returning
      """
          + RUN_COLUMNS;

  static final String RENEW_LEASES =
      """
      update runs set lease_expires_at = :leaseExpiresAt
       where status = 'running' and executor_id = :executorId
         and (id, epoch) in (select * from unnest(cast(:runIds as uuid[]), cast(:epochs as bigint[])))
      returning
      """
          + RUN_COLUMNS;

  /**
   * The conversation up to and including the run's user message: per run in submission order, its
   * user message, then its answer. (A user may queue the next message before the previous answer
   * was written, so messages.seq alone would put that answer after it.)
   */
  static final String HISTORY =
      """
      select m.role, m.content from messages m join runs r on r.id = m.run_id
       where m.thread_id = :threadId
         and r.seq <= (select seq from runs where id = :runId)
         and not (m.run_id = :runId and m.role = 'assistant')
       order by r.seq, case m.role when 'user' then 0 else 1 end, m.seq
      """;

  /**
   * Completes the run, only if still ours; {@link #INSERT_ASSISTANT_MESSAGE} follows in the same
   * transaction when it did (two statements: a repository method has one operation, and a CTE that
   * updates and inserts is neither).
   */
  static final String COMPLETE =
      """
      update runs
         set status = 'completed', finish_reason = :finishReason,
             chunks_published = :chunksPublished, finished_at = :now
       where id = :runId and executor_id = :executorId and epoch = :epoch and status = 'running'
      """;

  static final String INSERT_ASSISTANT_MESSAGE =
      """
      insert into messages (id, thread_id, role, content, run_id, created_at)
      values (:id, :threadId, 'assistant', :content, :runId, :now)
      """;

  /**
   * Whether this epoch of the run still owns its thread's subject: the run is still at our epoch
   * (running, or ended by us) and no later run of the thread has been claimed since.
   */
  static final String RECORD_REPLY_START =
      """
      update runs set reply_from = :resetSequence
       where id = :runId and executor_id = :executorId and epoch = :epoch
      """;

  static final String LATEST_START =
      """
      select exists (
        select 1 from runs r
         where r.id = :runId and r.executor_id = :executorId and r.epoch = :epoch
           and not exists (select 1 from runs later
                            where later.thread_id = r.thread_id and later.seq > r.seq
                              and later.started_at is not null))
      """;

  static final String FAIL =
      """
      update runs set status = 'failed', error = :error, finished_at = :now
       where id = :runId and executor_id = :executorId and epoch = :epoch and status = 'running'
      """;

  static final String CANCEL =
      """
      update runs set status = 'cancelled', finished_at = :now
       where id = :runId and executor_id = :executorId and epoch = :epoch and status = 'running'
      """;

  static final String REGISTER_EXECUTOR =
      """
      insert into executors (id, started_at, heartbeat_at) values (:executorId, :now, :now)
      on conflict (id) do update
         set started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
             stopped_at = null
      """;

  static final String HEARTBEAT = "update executors set heartbeat_at = :now where id = :executorId";

  static final String EXECUTOR_STOPPED =
      "update executors set stopped_at = :now where id = :executorId";

  /** Session lock on the executor's liveness key; held on a dedicated connection for life. */
  static final String TRY_LIVENESS_LOCK = "select pg_try_advisory_lock(hashtextextended(?, 0))";

  /**
   * Whether the session lock is held by the backend this statement runs on. Behind a transaction
   * pooler (PgBouncer's transaction mode) each statement may run on another backend: the lock taken
   * by the previous one is then not ours here, and liveness would be a lie.
   */
  static final String LIVENESS_LOCK_HELD_HERE =
      """
      select exists (select 1 from pg_locks
                      where locktype = 'advisory' and granted and pid = pg_backend_pid()
                        and objsubid = 1
                        and ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0))
      """;

  static final String PING = "select 1";

  private RunSql() {}
}
