package dev.threadline.functions.stream;

import dev.threadline.functions.store.RunState;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One SSE client's view of its thread: the tail's events go through the {@link ReplyFollower};
 * while the bus is silent, {@link #check()} makes sure the tail has read everything the subject
 * holds (a broker restart can leave it behind: it then resumes the tail) and, while a run is
 * followed, reads the run from PostgreSQL (the truth). When the row has been terminal for the grace
 * period, the subject holds nothing this client has not read, and the run's terminal event did not
 * arrive, it sends that event synthesised from the row, without an {@code id} (it is not a stream
 * event: Last-Event-ID stays at the last real one). A completed run's row also completes the text:
 * when what this client was sent of the run's current epoch is not the stored message (its tail
 * fell behind and the next run's purge removed what it had not read), a {@code reset} and one
 * {@code chunk} with the whole stored text go first, id-less too. The reset of another run while a
 * run is followed ends the followed run the same way, at once ({@link
 * ReplyFollower#endsFollowedRun}). The tail's delivery thread and the check's thread meet on this
 * object's lock; the database and the broker are read outside it.
 */
final class ReplySession {

  private static final Logger LOG = LoggerFactory.getLogger(ReplySession.class);

  /** Reads of a superseded run's row, spread over one run-check interval. */
  private static final int SUPERSEDED_READS = 5;

  private final ThreadId threadId;
  private final ThreadStore store;
  private final ReplyTail tail;
  private final ReplyFollower follower;
  private final FluxSink<Event<String>> sink;
  private final Function<TailedEvent, Event<String>> toSse;
  private final Function<ReplyEvent, Event<String>> toStoredSse;
  private final long silenceNanos;
  private final long idleTailCheckNanos;
  private final Duration grace;
  private final LongSupplier nanoTime;
  private final long supersededReadPauseNanos;

  private ReplyTail.Subscription subscription;
  private long busEvents;
  private long lastBusNanos;
  private long lastIdleTailCheckNanos;
  private long lastSequence;
  private UUID terminalRun;
  private long terminalSinceNanos;
  private boolean ended;
  private final SentText sentText = new SentText();

  ReplySession(
      ThreadId threadId,
      ThreadStore store,
      ReplyTail tail,
      ReplyFollower follower,
      FluxSink<Event<String>> sink,
      Function<TailedEvent, Event<String>> toSse,
      Function<ReplyEvent, Event<String>> toStoredSse,
      StreamConfiguration configuration,
      LongSupplier nanoTime) {
    this.threadId = threadId;
    this.store = store;
    this.tail = tail;
    this.follower = follower;
    this.sink = sink;
    this.toSse = toSse;
    this.toStoredSse = toStoredSse;
    this.silenceNanos = configuration.runCheckInterval().toNanos();
    // a client waiting for a next run reads nothing from the database; its tail is checked
    // against the subject as rarely as pings go out (it is resumed on reconnect anyway)
    this.idleTailCheckNanos = Math.max(silenceNanos, configuration.pingInterval().toNanos());
    this.grace = configuration.terminalGrace();
    this.nanoTime = nanoTime;
    this.supersededReadPauseNanos = silenceNanos / SUPERSEDED_READS;
    this.lastBusNanos = nanoTime.getAsLong();
    this.lastIdleTailCheckNanos = lastBusNanos;
  }

  /** The tail this session reads, once opened; checked against the subject by {@link #check()}. */
  synchronized void reading(ReplyTail.Subscription subscription) {
    this.subscription = subscription;
  }

  /**
   * An event from the thread's subject, in order, from one thread at a time (the tail's). When it
   * is the reset of a run after the followed one, the followed run is ended from its row first:
   * that read happens on this thread, outside the lock.
   */
  void onTailed(TailedEvent tailed) {
    UUID superseded;
    synchronized (this) {
      if (tailed.sequence() <= lastSequence || ended) {
        return; // already handled: a resumed tail never repeats, this only keeps it so
      }
      superseded =
          follower.endsFollowedRun(tailed.sequence(), tailed.event())
              ? follower.followedRun()
              : null;
      if (superseded == null) {
        handle(tailed);
        return;
      }
    }
    Optional<RunState> state = readTerminalRun(superseded);
    synchronized (this) {
      if (tailed.sequence() <= lastSequence || ended) {
        return;
      }
      if (superseded.equals(follower.followedRun())) {
        Optional<ReplyEvent> end = state.flatMap(StoredRunEnd::eventFor);
        if (end.isEmpty()) {
          // the row cannot say how the run ended: rather than show the next run after a run
          // without an end, stop; the client resumes with Last-Event-ID and this is tried again
          LOG.warn(
              "thread {}: run {} was followed by run {}, but its row does not say how it ended;"
                  + " ending this client's stream",
              threadId,
              superseded,
              tailed.event().runId());
          end();
          return;
        }
        LOG.info(
            "thread {}: run {} started after run {} without its terminal event reaching this"
                + " client; sending {} from the row",
            threadId,
            tailed.event().runId(),
            superseded,
            end.get().type());
        sendStoredEnd(state.get(), end.get());
        if (ended) {
          return;
        }
      }
      handle(tailed);
    }
  }

  private void handle(TailedEvent tailed) {
    lastSequence = tailed.sequence();
    busEvents++;
    lastBusNanos = nanoTime.getAsLong();
    ReplyFollower.Verdict verdict = follower.offer(tailed.sequence(), tailed.event());
    if (verdict == ReplyFollower.Verdict.SKIP) {
      return;
    }
    sentText.sent(tailed.event());
    sink.next(toSse.apply(tailed));
    if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
      end();
    }
  }

  /**
   * Called periodically; acts only when the bus has been silent for the check interval (waiting for
   * a next run: for the idle check interval). Never throws: a failed read waits for the next call.
   */
  void check() {
    UUID run;
    long eventsBefore;
    ReplyTail.Subscription reading;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      run = follower.followedRun();
      reading = subscription;
      if (ended || reading == null || now - lastBusNanos < silenceNanos) {
        return;
      }
      if (run == null) {
        if (now - lastBusNanos < idleTailCheckNanos
            || now - lastIdleTailCheckNanos < idleTailCheckNanos) {
          return;
        }
        lastIdleTailCheckNanos = now;
      }
      eventsBefore = busEvents;
    }
    // the row first: once it is terminal, every event of the run but a late terminal one is on
    // the subject already (the relay publishes before it commits), so the subject read next
    // cannot miss one
    Optional<RunState> state = run == null ? Optional.empty() : readRun(run);
    if (!caughtUpWithBus(reading) || run == null || state.isEmpty()) {
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
      LOG.info(
          "thread {}: run {} is {} in the database but no terminal event came over the bus;"
              + " sending {} from the row",
          threadId,
          run,
          state.get().status().wire(),
          end.get().type());
      sendStoredEnd(state.get(), end.get());
    }
  }

  /**
   * Sends the followed run's end made from its row (id-less): for a completed run whose stored text
   * is not what this client was sent of the run's current epoch, a {@code reset} of the stored
   * epoch and one {@code chunk} with the whole stored text first, so that the deltas after the
   * run's last reset are the stored message (contract 5). Nothing when it is not about the run
   * followed now.
   */
  private void sendStoredEnd(RunState state, ReplyEvent end) {
    ReplyFollower.Verdict verdict = follower.offerStoredEnd(end);
    if (verdict == ReplyFollower.Verdict.SKIP) {
      return;
    }
    if (end instanceof ReplyEvent.Done
        && !sentText.is(state.runId(), state.epoch(), stored(state))) {
      LOG.info(
          "thread {}: this client was not sent the whole text of run {} (epoch {});"
              + " sending it from the stored message",
          threadId,
          state.runId(),
          state.epoch());
      sink.next(toStoredSse.apply(new ReplyEvent.Reset(state.runId(), state.epoch())));
      if (!stored(state).isEmpty()) {
        sink.next(
            toStoredSse.apply(
                new ReplyEvent.Chunk(state.runId(), state.epoch(), 0, stored(state))));
      }
    }
    sentText.clear();
    sink.next(toStoredSse.apply(end));
    if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
      end();
    }
  }

  private static String stored(RunState state) {
    return state.assistantContent() == null ? "" : state.assistantContent();
  }

  /**
   * The row of a run the bus says is over (another run started): terminal by then, as the next run
   * is claimed only after it. A few reads, for a database that fails one; empty when the row cannot
   * be read or is not terminal.
   */
  private Optional<RunState> readTerminalRun(UUID run) {
    for (int attempt = 1; ; attempt++) {
      Optional<RunState> state = readRun(run);
      if (state.flatMap(StoredRunEnd::eventFor).isPresent() || attempt >= SUPERSEDED_READS) {
        return state;
      }
      LockSupport.parkNanos(supersededReadPauseNanos);
    }
  }

  private Optional<RunState> readRun(UUID run) {
    try {
      return store.findRunState(threadId, run);
    } catch (RuntimeException e) {
      LOG.warn("thread {}: reading the state of run {} failed: {}", threadId, run, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * True when the subject holds nothing past what the tail read. Otherwise the tail's consumer died
   * or stalled (a broker restart): it is resumed after its last message and false returned, as it
   * is when the broker does not answer (it cannot tell, so nothing may be synthesised).
   */
  private boolean caughtUpWithBus(ReplyTail.Subscription reading) {
    long onBus;
    try {
      onBus = tail.lastSequence(threadId);
    } catch (RuntimeException e) {
      LOG.warn(
          "thread {}: reading the subject's last sequence failed: {}", threadId, e.getMessage());
      return false;
    }
    long read = reading.position();
    if (onBus <= read) {
      return true;
    }
    LOG.info(
        "thread {}: the subject holds events up to {} but this client's tail read up to {};"
            + " resuming it",
        threadId,
        onBus,
        read);
    try {
      reading.resume();
    } catch (RuntimeException e) {
      LOG.warn("thread {}: resuming the tail after {} failed: {}", threadId, read, e.getMessage());
    }
    return false;
  }

  /** The row says terminal for at least the grace period (database clock, or as seen here). */
  private boolean terminalLongEnough(UUID run, RunState state) {
    long now = nanoTime.getAsLong();
    if (!run.equals(terminalRun)) {
      terminalRun = run;
      terminalSinceNanos = now;
    }
    boolean byDatabase = state.finishedAgo() != null && state.finishedAgo().compareTo(grace) >= 0;
    boolean seenHere = now - terminalSinceNanos >= grace.toNanos();
    return byDatabase || seenHere;
  }

  private void end() {
    ended = true;
    sink.complete();
  }

  /**
   * The text this client was sent of one epoch of a run, as long as it is known whole: from that
   * epoch's reset, every chunk in index order. Not known after a resume that started mid-epoch.
   */
  private static final class SentText {
    private UUID run;
    private long epoch;
    private final StringBuilder text = new StringBuilder();
    private int nextIndex;
    private boolean whole;

    void sent(ReplyEvent event) {
      if (event instanceof ReplyEvent.Reset reset) {
        run = reset.runId();
        epoch = reset.epoch();
        text.setLength(0);
        nextIndex = 0;
        whole = true;
      } else if (event instanceof ReplyEvent.Chunk chunk) {
        if (whole
            && chunk.runId().equals(run)
            && chunk.epoch() == epoch
            && chunk.index() == nextIndex) {
          text.append(chunk.delta());
          nextIndex++;
        } else {
          clear();
        }
      }
    }

    /** True only when the client was sent exactly {@code expected} since that epoch's reset. */
    boolean is(UUID expectedRun, long expectedEpoch, String expected) {
      return whole
          && expectedRun.equals(run)
          && expectedEpoch == epoch
          && text.toString().equals(expected);
    }

    void clear() {
      run = null;
      whole = false;
      text.setLength(0);
      nextIndex = 0;
    }
  }
}
