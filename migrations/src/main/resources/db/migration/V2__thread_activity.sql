-- A thread's last activity, for listing an owner's threads most recently active first
-- (GET /v1/threads). The database keeps it, so neither functions nor the relay can forget it:
--   * a new thread starts at its created_at,
--   * a message (the user's, or a run's answer) moves it to the message's created_at,
--   * a run changing status (claimed, completed, failed, cancelled) moves it to the run's
--     finished_at, else started_at, else now().
-- It only moves forward. Lease renewals and takeovers do not change a run's status and do not
-- touch the thread row.

alter table threads add column updated_at timestamptz;

update threads t
   set updated_at = greatest(
         t.created_at,
         (select max(m.created_at) from messages m where m.thread_id = t.id),
         (select max(coalesce(r.finished_at, r.started_at, r.created_at))
            from runs r where r.thread_id = t.id));

alter table threads alter column updated_at set not null;

-- Keyset paging: (updated_at desc, id) from a cursor, for one owner.
create index threads_by_owner_activity on threads (owner, updated_at desc, id);

create function threads_start_activity() returns trigger language plpgsql as $$
begin
  new.updated_at := coalesce(new.updated_at, new.created_at);
  return new;
end
$$;

create trigger threads_start_activity
  before insert on threads
  for each row execute function threads_start_activity();

create function threads_touch_on_message() returns trigger language plpgsql as $$
begin
  update threads set updated_at = new.created_at
   where id = new.thread_id and updated_at < new.created_at;
  return null;
end
$$;

create trigger messages_touch_thread
  after insert on messages
  for each row execute function threads_touch_on_message();

create function threads_touch_on_run_status() returns trigger language plpgsql as $$
declare
  moved_to timestamptz := coalesce(new.finished_at, new.started_at, now());
begin
  update threads set updated_at = moved_to
   where id = new.thread_id and updated_at < moved_to;
  return null;
end
$$;

create trigger runs_touch_thread
  after update of status on runs
  for each row when (old.status is distinct from new.status)
  execute function threads_touch_on_run_status();
