-- The owner's active runs, counted by every submit under the owner's lock
-- (THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER): one index probe per thread of the owner instead of a
-- scan of all its past runs (an owner with 1,000 threads among 500,000 finished runs: 50 ms by a
-- sequential scan of runs, 0.14 ms with this index).
create index runs_active_by_thread on runs (thread_id) where status in ('queued', 'running');
