package dev.threadline.functions.tail;

import dev.threadline.functions.store.RunState;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread's tail on this instance, shared by all its clients here: it owns the bus (one
 * JetStream consumer while a run may be followed, only a core-NATS watch while every client waits
 * for a next run), the run's events in memory ({@link TailWindow}) and the database checks, made
 * once per thread: while the bus is silent and clients wait for a run's end, the run's row is read
 * (the truth); once it has been terminal for the grace period and the subject holds nothing the
 * tail has not read, each client following the run gets the end from the row. The reset of a later
 * run ends the followed run from its row at once. Everything runs on one serial worker, so none of
 * this state is shared between threads.
 */
final class ThreadTail implements TailBus.Reader {

  private static final Logger LOG = LoggerFactory.getLogger(ThreadTail.class);

  /** What the hub does for the tail. */
  interface Hub {
    /** The tail closed: forget it. */
    void closed(ThreadTail tail);

    /**
     * This tail cannot serve {@code client} (closed, or its memory does not reach back): route it.
     */
    void elsewhere(ThreadTail tail, TailClient client, boolean closed);
  }

  private final ThreadId threadId;
  private final TailBus bus;
  private final ReplyTail stored;
  private final TailSettings settings;
  private final Executor worker;
  private final ScheduledExecutorService timers;
  private final LongSupplier nanoTime;
  private final Hub hub;
  private final boolean shared;

  private final List<TailClient> clients = new ArrayList<>();
  private final RunRows rows;
  private TailWindow window;
  private long position;
  private long lastBusNanos;
  private ScheduledFuture<?> linger;
  private boolean closed;

  ThreadTail(
      ThreadId threadId,
      boolean shared,
      ReplyTail bus,
      ThreadStore store,
      TailSettings settings,
      Executor worker,
      ScheduledExecutorService timers,
      LongSupplier nanoTime,
      Hub hub) {
    this.threadId = threadId;
    this.shared = shared;
    this.bus =
        new TailBus(threadId, bus, worker, timers, settings.runCheckInterval().toMillis(), this);
    this.stored = bus;
    this.settings = settings;
    this.worker = worker;
    this.timers = timers;
    this.nanoTime = nanoTime;
    this.hub = hub;
    this.lastBusNanos = nanoTime.getAsLong();
    this.rows = new RunRows(threadId, store, settings);
  }

  ThreadId threadId() {
    return threadId;
  }

  boolean shared() {
    return shared;
  }

  void attach(TailClient client) {
    worker.execute(() -> attachNow(client));
  }

  /** The client left: forget it, and close after the linger once none is left. */
  void detach(TailClient client) {
    worker.execute(
        () -> {
          clients.remove(client);
          lingerIfUnused();
        });
  }

  /** The thread was deleted: every client's stream ends. */
  void threadDeleted() {
    worker.execute(
        () -> {
          if (!clients.isEmpty()) {
            LOG.info("thread {}: deleted; ending {} streams", threadId, clients.size());
          }
          clients.forEach(TailClient::end);
          clients.clear();
          close();
        });
  }

  /** After a broker reconnect: a watch may have missed the start of a run. */
  void reconnected() {
    worker.execute(
        () -> {
          if (bus.watching()) {
            bus.tailIfTheSubjectMoved();
          }
        });
  }

  // ---- on the worker from here on

  private void attachNow(TailClient client) {
    if (closed) {
      hub.elsewhere(this, client, true);
      return;
    }
    if (client.ended()) {
      lingerIfUnused();
      return;
    }
    if (window == null) {
      open(client);
      return;
    }
    if (!covers(client)) {
      hub.elsewhere(this, client, false);
      lingerIfUnused();
      return;
    }
    cancelLinger();
    clients.add(client);
    Map<UUID, Optional<RunState>> read = new HashMap<>();
    for (TailedEvent tailed : window.eventsFrom(client.startSequence())) {
      if (prepare(client, tailed, read) && !client.ended()) {
        client.deliver(tailed);
      }
    }
    if (bus.watching() && client.followedRun() != null) {
      tail(position + 1);
    }
    forgetEnded();
  }

  /** The first client decides how the tail opens. */
  private void open(TailClient client) {
    clients.add(client);
    if (client.followedRun() == null && client.startsAtARun()) {
      // an idle thread: nothing before the client's start belongs to a run it can follow
      position = client.startSequence() - 1;
      window = new TailWindow(settings.memoryChars(), position + 1, true);
      rest();
    } else if (shared) {
      // the whole subject: the latest run since its purge, so later attachers replay from memory
      window = new TailWindow(settings.memoryChars(), 1, true);
      tail(1);
    } else {
      position = client.startSequence() - 1;
      window = new TailWindow(settings.memoryChars(), position + 1, false);
      tail(position + 1);
    }
  }

  /**
   * True when memory holds every event the client may need: all stored events from its start, or
   * (for a client that starts at a run) the latest run. A resume from before the memory is checked
   * against JetStream: memory covers it only if nothing is stored in between.
   */
  private boolean covers(TailClient client) {
    long start = client.startSequence();
    if (start >= window.from() || (client.startsAtARun() && window.startsARun())) {
      return true;
    }
    try {
      OptionalLong first = stored.firstSequenceFrom(threadId, start);
      return first.isEmpty() || first.getAsLong() >= window.from();
    } catch (RuntimeException e) {
      LOG.info(
          "thread {}: cannot tell what is stored from {}: {}", threadId, start, e.getMessage());
      return false;
    }
  }

  @Override
  public void onEvent(TailedEvent tailed) {
    if (closed || tailed.sequence() <= position) {
      return;
    }
    // the tail read nothing of what came right before this reset: whole runs may have run and
    // been purged meanwhile (the tail was held up); their rows tell followers what they missed
    boolean missedBefore =
        tailed.event() instanceof ReplyEvent.Reset && tailed.previous() > position;
    position = tailed.sequence();
    lastBusNanos = nanoTime.getAsLong();
    window.add(tailed);
    // a superseded run's row is read once for all its clients
    Map<UUID, Optional<RunState>> read = new HashMap<>();
    Map<UUID, List<RunState>> missed = new HashMap<>();
    for (TailClient client : List.copyOf(clients)) {
      if (!prepare(client, tailed, read)) {
        continue;
      }
      if (missedBefore) {
        tellMissedRuns(client, tailed, missed);
      }
      if (!client.ended()) {
        client.deliver(tailed);
      }
    }
    forgetEnded();
  }

  /**
   * For a client waiting for a next run, the runs that ran since the one it saw end and before
   * {@code reset}'s, read once per starting point for all clients.
   */
  private void tellMissedRuns(
      TailClient client, TailedEvent reset, Map<UUID, List<RunState>> missed) {
    UUID after = client.waitingAfter();
    if (client.ended() || after == null || after.equals(reset.event().runId())) {
      return;
    }
    for (RunState run :
        missed.computeIfAbsent(after, since -> rows.endedBetween(since, reset.event().runId()))) {
      StoredRunEnd.eventFor(run).ifPresent(end -> client.missedRun(run, end));
    }
  }

  /**
   * Prepares one event for one client: false when the client takes no event (ended) or not this one
   * (before its start). When it is the reset of a run after the client's followed one, the followed
   * run is ended from its row first (read once per run for all clients). The caller then hands the
   * event over unless the client ended meanwhile.
   */
  private boolean prepare(
      TailClient client, TailedEvent tailed, Map<UUID, Optional<RunState>> read) {
    if (client.ended() || tailed.sequence() < client.startSequence()) {
      return false;
    }
    if (client.endedBy(tailed)) {
      UUID superseded = client.followedRun();
      Optional<RunState> state = read.computeIfAbsent(superseded, rows::readTerminal);
      Optional<ReplyEvent> end = state.flatMap(StoredRunEnd::eventFor);
      if (end.isEmpty()) {
        // the row cannot say how the run ended: rather than show the next run after a run
        // without an end, stop; the client resumes with Last-Event-ID and this is tried again
        LOG.warn(
            "thread {}: run {} was followed by run {}, but its row does not say how it ended;"
                + " ending a client's stream",
            threadId,
            superseded,
            tailed.event().runId());
        client.end();
        return false;
      }
      LOG.info(
          "thread {}: run {} started after run {} without its terminal event reaching a client;"
              + " sending {} from the row",
          threadId,
          tailed.event().runId(),
          superseded,
          end.get().type());
      client.endFromRow(state.get(), end.get());
    }
    return true;
  }

  /**
   * Called every run-check interval while a consumer is open; acts only when the bus has been
   * silent that long. Never throws: a failed read waits for the next call.
   */
  @Override
  public void check() {
    if (closed || !bus.tailing()) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (now - lastBusNanos < settings.runCheckInterval().toNanos()) {
      return;
    }
    Set<UUID> runs = new LinkedHashSet<>();
    clients.stream().map(TailClient::followedRun).filter(run -> run != null).forEach(runs::add);
    if (runs.isEmpty()) {
      if (now - lastBusNanos >= settings.linger().toNanos() && !clients.isEmpty()) {
        rest();
      }
      return;
    }
    // the rows first: once one is terminal, every event of its run but a late terminal one is on
    // the subject already (the relay publishes before it commits), so the subject read next
    // cannot miss one
    Map<UUID, RunState> states = new HashMap<>();
    for (UUID run : runs) {
      rows.read(run).ifPresent(state -> states.put(run, state));
    }
    if (states.isEmpty() || !bus.caughtUp()) {
      return;
    }
    for (RunState state : states.values()) {
      Optional<ReplyEvent> end = StoredRunEnd.eventFor(state);
      if (end.isEmpty() || !rows.terminalLongEnough(state, now)) {
        continue;
      }
      LOG.info(
          "thread {}: run {} is {} in the database but no terminal event came over the bus;"
              + " sending {} from the row",
          threadId,
          state.runId(),
          state.status().wire(),
          end.get().type());
      for (TailClient client : List.copyOf(clients)) {
        if (!client.ended() && state.runId().equals(client.followedRun())) {
          client.endFromRow(state, end.get());
        }
      }
    }
    forgetEnded();
  }

  /** Opens the JetStream consumer at {@code start}. */
  private void tail(long start) {
    lastBusNanos = nanoTime.getAsLong();
    bus.tail(start);
  }

  /** Every client waits for a next run: the consumer goes, a watch signals the next run. */
  private void rest() {
    if (!bus.rest()) {
      lastBusNanos = nanoTime.getAsLong(); // the next check after another linger tries again
    }
  }

  @Override
  public long position() {
    return position;
  }

  private void forgetEnded() {
    clients.removeIf(TailClient::ended);
    lingerIfUnused();
  }

  private void lingerIfUnused() {
    if (closed || !clients.isEmpty() || linger != null) {
      return;
    }
    if (!shared || settings.linger().isZero()) {
      close();
      return;
    }
    linger =
        timers.schedule(
            () ->
                worker.execute(
                    () -> {
                      linger = null;
                      if (clients.isEmpty()) {
                        close();
                      }
                    }),
            settings.linger().toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private void cancelLinger() {
    if (linger != null) {
      linger.cancel(false);
      linger = null;
    }
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancelLinger();
    bus.close();
    hub.closed(this);
  }
}
