package dev.threadline.functions.store;

/**
 * The statements of functions' repositories that a derived query cannot express (row locks,
 * advisory locks, NOTIFY, conflict clauses, projections over joins), in one place. Parameters are
 * named after the repository methods' parameters.
 */
final class StoreSql {

  /**
   * The first key of the two-key advisory locks that serialise one owner's submits. The two-key
   * form is a lock space of its own: the relays' liveness locks (one bigint key) never meet it.
   */
  static final int OWNER_SUBMIT_LOCK = 0x7375_626d; // "subm"

  static final String INSERT_THREAD =
      """
      insert into threads (id, owner, title, created_at) values (:id, :owner, :title, :createdAt)
      on conflict (id) do nothing
      """;

  /**
   * The thread's row under a lock that a concurrent delete ({@code for update}) waits for, and that
   * waits for a delete: a submit then finds the thread gone instead of failing on the foreign key.
   */
  static final String THREAD_KEY_SHARE = "select * from threads where id = :id for key share";

  static final String THREAD_FOR_UPDATE = "select * from threads where id = :id for update";

  /**
   * Keyset paging over {@code threads_by_owner_activity}: the row after the position, in
   * (updated_at desc, id) order; the first bound keeps the scan an index range.
   */
  static final String LIST_THREADS =
      """
      select t.id, t.title, t.updated_at,
             exists (select 1 from runs r
                      where r.thread_id = t.id and r.status in ('queued', 'running')) as in_progress
        from threads t
       where t.owner = :owner
         and (cast(:afterUpdatedAt as timestamptz) is null
              or t.updated_at < cast(:afterUpdatedAt as timestamptz)
              or (t.updated_at = cast(:afterUpdatedAt as timestamptz) and t.id > :afterId))
       order by t.updated_at desc, t.id
       limit :limit
      """;

  /**
   * Holds until the transaction ends: one owner's submits count and insert one at a time, so no two
   * of them both see room under the quota; other owners' submits take other locks (a hash collision
   * only makes two owners wait for each other, never miscounts).
   */
  static final String LOCK_OWNER =
      "select true from pg_advisory_xact_lock(" + OWNER_SUBMIT_LOCK + ", hashtext(:owner))";

  static final String FIRST_REQUEST =
      """
      select r.id as run_id, m.content, r.model, r.retryable from runs r
        left join messages m on m.run_id = r.id and m.role = 'user'
       where r.thread_id = :threadId and r.idempotency_key = :key
      """;

  /**
   * Counts the owner's queued and running runs (up to the limit) and, when under it, inserts the
   * run and its user message, in one statement: it runs after the owner's lock was granted, so its
   * snapshot sees every earlier submit of the owner, and the lock is held across one round trip and
   * the commit instead of three and the commit. Positional parameters, in order: owner, limit, run
   * id, thread id, model, idempotency key, retryable, created at, limit, message id, content. 1
   * row: queued; 0: over the limit, or a run with the same key on this thread committed first.
   */
  static final String QUEUE_UNDER_QUOTA =
      """
      with active as (
        select count(*) as n
          from (select 1 from runs r join threads t on t.id = r.thread_id
                 where t.owner = ? and r.status in ('queued', 'running') limit ?) counted),
      run as (
        insert into runs (id, thread_id, model, idempotency_key, retryable, created_at)
        select ?, ?, ?, ?, ?, ? from active where active.n < ?
        on conflict (thread_id, idempotency_key) where idempotency_key is not null do nothing
        returning id, thread_id, created_at)
      insert into messages (id, thread_id, role, content, run_id, created_at)
      select ?, run.thread_id, 'user', ?, run.id, run.created_at from run
      """;

  /** The running run, else the oldest queued one. */
  static final String ACTIVE_RUN =
      """
      select id from runs where thread_id = :threadId and status in ('queued', 'running')
       order by (status = 'running') desc, seq limit 1
      """;

  static final String OWNED_RUN =
      """
      select r.* from runs r join threads t on t.id = r.thread_id
       where r.id = :runId and r.thread_id = :threadId and t.owner = :owner
      """;

  static final String OWNED_RUN_FOR_UPDATE = OWNED_RUN + " for update of r";

  static final String RUN_STATE =
      """
      select r.status, r.epoch, r.error, r.finish_reason, m.id as assistant_message_id,
             m.content as assistant_content,
             (extract(epoch from (now() - r.finished_at)) * 1000)::bigint as finished_ago_ms
        from runs r left join messages m on m.run_id = r.id and m.role = 'assistant'
       where r.id = :runId and r.thread_id = :threadId
      """;

  /**
   * The runs submitted between two runs of a thread that ran and ended, in submission order (at
   * most 100).
   */
  static final String ENDED_RUNS_BETWEEN =
      """
      select r.id, r.status, r.epoch, r.error, r.finish_reason, m.id as assistant_message_id,
             m.content as assistant_content,
             (extract(epoch from (now() - r.finished_at)) * 1000)::bigint as finished_ago_ms
        from runs r left join messages m on m.run_id = r.id and m.role = 'assistant'
       where r.thread_id = :threadId
         and r.seq > (select seq from runs where id = :after and thread_id = r.thread_id)
         and r.seq < (select seq from runs where id = :before and thread_id = r.thread_id)
         and r.status in ('completed', 'failed', 'cancelled') and r.started_at is not null
       order by r.seq
       limit 100
      """;

  /** The run whose reply started last at or before a subject sequence (runs.reply_from). */
  static final String RUN_AT_SEQUENCE =
      """
      select id from runs
       where thread_id = :threadId and reply_from <= :sequence
       order by reply_from desc
       limit 1
      """;

  /** Runs of one status across all owners, oldest first, for the operator view. */
  static final String RUNS_BY_STATUS =
      """
      select r.id, r.thread_id, r.status, r.executor_id, r.epoch, r.attempts, r.created_at,
             r.started_at, r.lease_expires_at,
             (extract(epoch from (r.lease_expires_at - now())) * 1000)::bigint
               as lease_expires_in_ms,
             (extract(epoch from (now() - e.heartbeat_at)) * 1000)::bigint
               as executor_heartbeat_age_ms
        from runs r left join executors e on e.id = r.executor_id
       where r.status = :status
       order by r.seq
       limit :limit
      """;

  static final String CANCEL_QUEUED =
      "update runs set status = 'cancelled', finished_at = :now where id = :runId and status = 'queued'";

  static final String REQUEST_CANCEL =
      "update runs set cancel_requested = true where id = :runId and status = 'running'";

  /** Locks the thread's runs in the order the relay does (by seq), for a delete. */
  static final String LOCK_RUNS_OF_THREAD =
      "select * from runs where thread_id = :threadId order by seq for update";

  /** Delivered at the commit; channel names are constants of {@code RunNotifications}. */
  static final String NOTIFY = "select true from pg_notify(:channel, :payload)";

  private StoreSql() {}
}
