-- Threads, their messages, the runs outbox and the executors registry.
-- The invariants that matter live here, not in application code:
--   * one running run per thread (partial unique index),
--   * one assistant message per run (partial unique index),
--   * ids that are safe NATS subject tokens (check constraint).

create table threads (
    id         text        primary key,
    owner      text        not null,
    title      text,
    created_at timestamptz not null,
    constraint threads_id_is_a_subject_token check (id ~ '^[A-Za-z0-9_-]{1,64}$')
);

create index threads_by_owner on threads (owner, created_at);

-- The outbox. A row is written in the same transaction as the user's message.
create table runs (
    id               uuid        primary key,
    thread_id        text        not null references threads (id),
    -- submission order, across the whole table; per thread it orders the queue
    seq              bigint      generated always as identity,
    status           text        not null default 'queued',
    model            text        not null,
    -- false: the run has effects outside and must fail rather than run twice after a crash
    retryable        boolean     not null default true,
    attempts         integer     not null default 0,
    -- raised by every claim and takeover; an executor's writes are fenced on it
    epoch            bigint      not null default 0,
    executor_id      text,
    lease_expires_at timestamptz,
    cancel_requested boolean     not null default false,
    idempotency_key  text,
    error            text,
    finish_reason    text,
    chunks_published integer,
    created_at       timestamptz not null,
    started_at       timestamptz,
    finished_at      timestamptz,
    constraint runs_status_known
        check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
    constraint runs_running_has_owner
        check (status <> 'running' or (executor_id is not null and lease_expires_at is not null)),
    constraint runs_idempotency_key_length check (length(idempotency_key) between 1 and 255)
);

-- The one mechanism for "one active run per thread".
create unique index runs_one_running_per_thread on runs (thread_id) where status = 'running';
-- Claim scans queued runs in submission order.
create index runs_queued_in_order on runs (seq) where status = 'queued';
create index runs_of_thread on runs (thread_id, seq);
-- Takeover scans and lease renewal look up running runs by owner.
create index runs_running_by_executor on runs (executor_id) where status = 'running';
create unique index runs_idempotency on runs (thread_id, idempotency_key) where idempotency_key is not null;

create table messages (
    id         uuid        primary key,
    thread_id  text        not null references threads (id),
    seq        bigint      generated always as identity,
    role       text        not null,
    content    text        not null,
    run_id     uuid        not null references runs (id),
    created_at timestamptz not null,
    constraint messages_role_known check (role in ('user', 'assistant'))
);

create index messages_of_thread on messages (thread_id, seq);
-- A run completes exactly once.
create unique index messages_one_reply_per_run on messages (run_id) where role = 'assistant';

-- Relays that are or were alive. Liveness itself is the session advisory lock
-- pg_advisory_lock(hashtextextended(id, 0)) held on the executor's dedicated connection;
-- this row is for operators and is written only after that lock is held.
create table executors (
    id           text        primary key,
    started_at   timestamptz not null,
    heartbeat_at timestamptz not null,
    stopped_at   timestamptz
);
