package dev.threadline.functions.stream;

import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.store.ThreadActivity;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.functions.tail.ReplyTail;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Decides where a client attaches, from PostgreSQL and JetStream only (no instance-local truth,
 * lesson 1). The subject's last sequence is read BEFORE the thread's status: a run that starts in
 * between makes the status in_progress (replay all), and one that starts after publishes its reset
 * past that sequence (idle: read from it on), so the reset of the next run is never missed. A
 * Last-Event-ID beyond the subject's last sequence is treated as none.
 */
@Singleton
public class AttachPlanner {

  private final ThreadStore store;
  private final ReplyTail tail;

  public AttachPlanner(ThreadStore store, ReplyTail tail) {
    this.store = store;
    this.tail = tail;
  }

  /**
   * @throws NotFoundException when the thread is not the owner's
   */
  public void requireOwned(ThreadId threadId, String owner) {
    store.findActivity(threadId, owner).orElseThrow(NotFoundException::new);
  }

  /**
   * @throws NotFoundException when the thread is not the owner's
   */
  public AttachPlan plan(ThreadId threadId, String owner, OptionalLong lastEventId) {
    long last = tail.lastSequence(threadId);
    if (lastEventId.isPresent() && lastEventId.getAsLong() <= last) {
      store.findActivity(threadId, owner).orElseThrow(NotFoundException::new);
      long after = lastEventId.getAsLong();
      // the client's run, if the event it saw last did not end it: should that run end without
      // a terminal event on the bus, the stream still learns it from the database
      UUID unfinished = after < 1 ? null : unfinishedRunAt(threadId, after);
      return AttachPlan.resumeAfter(after, unfinished);
    }
    // no id, or one beyond the subject's end (a stale id, a re-created stream): there is no such
    // position to wait on; the client gets what a new one gets, the current run from its reset
    ThreadActivity activity =
        store.findActivity(threadId, owner).orElseThrow(NotFoundException::new);
    return activity.inProgress()
        ? AttachPlan.followRun(activity.activeRunId(), last)
        : AttachPlan.nextRunAfter(last);
  }

  /**
   * The run of the event at {@code sequence}, unless that event ended it. When the event is gone
   * (the next run's start purged it before the client came back), the run is read from where each
   * run's reply starts: the client was inside it, and its end must come from its row.
   */
  private UUID unfinishedRunAt(ThreadId threadId, long sequence) {
    Optional<ReplyEvent> event = tail.eventAt(threadId, sequence);
    if (event.isPresent()) {
      return event.get().terminal() ? null : event.get().runId();
    }
    return store.runAtSequence(threadId, sequence).orElse(null);
  }
}
