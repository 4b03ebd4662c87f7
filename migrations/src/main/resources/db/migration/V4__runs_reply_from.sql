-- Where a run's reply starts on its thread's subject: the stream sequence of the reset its latest
-- epoch published (the relay records it right after the reset is acknowledged). A stream that
-- resumes after an event the next run's start has purged finds, from this, which run that event
-- belonged to, and ends that run from its row instead of never ending it.
alter table runs add column reply_from bigint;

create index runs_reply_from on runs (thread_id, reply_from) where reply_from is not null;
