package dev.threadline.functions.stream;

import dev.threadline.functions.store.RunState;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One SSE client's view of its thread: the tail's events go through the {@link ReplyFollower};
 * while a run is followed and the bus has been silent, {@link #checkFollowedRun()} reads the run
 * from PostgreSQL (the truth) and, when it has been terminal for the grace period without its
 * terminal event arriving, sends that event synthesised from the row, without an {@code id} (it
 * is not a stream event: Last-Event-ID stays at the last real one). The tail's delivery thread and
 * the check's thread meet on this object's lock; the database is read outside it.
 */
final class ReplySession {

  private static final Logger LOG = LoggerFactory.getLogger(ReplySession.class);

  private final ThreadId threadId;
  private final ThreadStore store;
  private final ReplyFollower follower;
  private final FluxSink<Event<String>> sink;
  private final Function<TailedEvent, Event<String>> toSse;
  private final Function<ReplyEvent, Event<String>> toStoredSse;
  private final long silenceNanos;
  private final Duration grace;
  private final LongSupplier nanoTime;

  private long busEvents;
  private long lastBusNanos;
  private UUID terminalRun;
  private long terminalSinceNanos;
  private boolean ended;

  ReplySession(
      ThreadId threadId,
      ThreadStore store,
      ReplyFollower follower,
      FluxSink<Event<String>> sink,
      Function<TailedEvent, Event<String>> toSse,
      Function<ReplyEvent, Event<String>> toStoredSse,
      StreamConfiguration configuration,
      LongSupplier nanoTime) {
    this.threadId = threadId;
    this.store = store;
    this.follower = follower;
    this.sink = sink;
    this.toSse = toSse;
    this.toStoredSse = toStoredSse;
    this.silenceNanos = configuration.runCheckInterval().toNanos();
    this.grace = configuration.terminalGrace();
    this.nanoTime = nanoTime;
    this.lastBusNanos = nanoTime.getAsLong();
  }

  /** An event from the thread's subject, in order. */
  synchronized void onTailed(TailedEvent tailed) {
    busEvents++;
    lastBusNanos = nanoTime.getAsLong();
    if (ended) {
      return;
    }
    ReplyFollower.Verdict verdict = follower.offer(tailed.sequence(), tailed.event());
    if (verdict == ReplyFollower.Verdict.SKIP) {
      return;
    }
    sink.next(toSse.apply(tailed));
    if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
      end();
    }
  }

  /**
   * Called periodically: when a run is followed and the bus was silent for the check interval,
   * reads the run's row; never throws (a failed read waits for the next call).
   */
  void checkFollowedRun() {
    UUID run;
    long eventsBefore;
    synchronized (this) {
      run = follower.followedRun();
      if (ended || run == null || nanoTime.getAsLong() - lastBusNanos < silenceNanos) {
        return;
      }
      eventsBefore = busEvents;
    }
    Optional<RunState> state;
    try {
      state = store.findRunState(threadId, run);
    } catch (RuntimeException e) {
      LOG.warn("thread {}: reading the state of run {} failed: {}", threadId, run, e.getMessage());
      return;
    }
    synchronized (this) {
      if (ended || busEvents != eventsBefore || !run.equals(follower.followedRun())) {
        return; // the bus spoke meanwhile: it has the last word until it is silent again
      }
      Optional<ReplyEvent> end = state.flatMap(StoredRunEnd::eventFor);
      if (end.isEmpty() || !terminalLongEnough(run, state.get())) {
        return;
      }
      ReplyFollower.Verdict verdict = follower.offerStoredEnd(end.get());
      if (verdict == ReplyFollower.Verdict.SKIP) {
        return;
      }
      LOG.info(
          "thread {}: run {} is {} in the database but no terminal event came over the bus;"
              + " sending {} from the row",
          threadId,
          run,
          state.get().status().wire(),
          end.get().type());
      sink.next(toStoredSse.apply(end.get()));
      if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
        end();
      }
    }
  }

  /** The row says terminal for at least the grace period (database clock, or as seen here). */
  private boolean terminalLongEnough(UUID run, RunState state) {
    long now = nanoTime.getAsLong();
    if (!run.equals(terminalRun)) {
      terminalRun = run;
      terminalSinceNanos = now;
    }
    boolean byDatabase =
        state.finishedAgo() != null && state.finishedAgo().compareTo(grace) >= 0;
    boolean seenHere = now - terminalSinceNanos >= grace.toNanos();
    return byDatabase || seenHere;
  }

  private void end() {
    ended = true;
    sink.complete();
  }
}
