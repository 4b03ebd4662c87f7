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
final class ThreadTail {

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
  private final ReplyTail bus;
  private final TailSettings settings;
  private final Executor worker;
  private final ScheduledExecutorService timers;
  private final LongSupplier nanoTime;
  private final Hub hub;
  private final boolean shared;

  private final List<TailClient> clients = new ArrayList<>();
  private final RunRows rows;
  private TailWindow window;
  private ReplyTail.Subscription subscription;
  private ReplyTail.Watch watch;
  private long position;
  private long lastBusNanos;
  private ScheduledFuture<?> checks;
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
    this.bus = bus;
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
          if (watch != null) {
            tailIfTheSubjectMoved();
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
      deliverTo(client, tailed, read);
    }
    if (watch != null && client.followedRun() != null) {
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
      OptionalLong stored = bus.firstSequenceFrom(threadId, start);
      return stored.isEmpty() || stored.getAsLong() >= window.from();
    } catch (RuntimeException e) {
      LOG.info(
          "thread {}: cannot tell what is stored from {}: {}", threadId, start, e.getMessage());
      return false;
    }
  }

  void onEvent(TailedEvent tailed) {
    if (closed || tailed.sequence() <= position) {
      return;
    }
    position = tailed.sequence();
    lastBusNanos = nanoTime.getAsLong();
    window.add(tailed);
    // a superseded run's row is read once for all its clients
    Map<UUID, Optional<RunState>> read = new HashMap<>();
    for (TailClient client : List.copyOf(clients)) {
      deliverTo(client, tailed, read);
    }
    forgetEnded();
  }

  /**
   * Hands one event to one client. When it is the reset of a run after the client's followed one,
   * the followed run is ended from its row first (read once per run for all clients).
   */
  private void deliverTo(
      TailClient client, TailedEvent tailed, Map<UUID, Optional<RunState>> read) {
    if (client.ended() || tailed.sequence() < client.startSequence()) {
      return;
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
        return;
      }
      LOG.info(
          "thread {}: run {} started after run {} without its terminal event reaching a client;"
              + " sending {} from the row",
          threadId,
          tailed.event().runId(),
          superseded,
          end.get().type());
      client.endFromRow(state.get(), end.get());
      if (client.ended()) {
        return;
      }
    }
    client.deliver(tailed);
  }

  /**
   * Called every run-check interval while a consumer is open; acts only when the bus has been
   * silent that long. Never throws: a failed read waits for the next call.
   */
  void check() {
    if (closed || subscription == null) {
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
    if (states.isEmpty() || !caughtUpWithBus()) {
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

  /**
   * True when the subject holds nothing past what the tail handled. Otherwise either events wait to
   * be handled here, or the consumer died or stalled (a broker restart): it is then resumed after
   * its last message. False as well when the broker does not answer (nothing may be synthesised).
   */
  private boolean caughtUpWithBus() {
    long onBus;
    try {
      onBus = bus.lastSequence(threadId);
    } catch (RuntimeException e) {
      LOG.warn(
          "thread {}: reading the subject's last sequence failed: {}", threadId, e.getMessage());
      return false;
    }
    if (onBus <= position) {
      return true;
    }
    long read = subscription.position();
    if (onBus > read) {
      LOG.info(
          "thread {}: the subject holds events up to {} but the tail read up to {}; resuming it",
          threadId,
          onBus,
          read);
      try {
        subscription.resume();
      } catch (RuntimeException e) {
        LOG.warn(
            "thread {}: resuming the tail after {} failed: {}", threadId, read, e.getMessage());
      }
    }
    return false;
  }

  /** Opens the JetStream consumer at {@code start}, in place of a watch. */
  private void tail(long start) {
    closeWatch();
    lastBusNanos = nanoTime.getAsLong();
    try {
      subscription = bus.tail(threadId, start, tailed -> worker.execute(() -> onEvent(tailed)));
    } catch (RuntimeException e) {
      LOG.warn("thread {}: tailing from {} failed: {}", threadId, start, e.getMessage());
      clients.forEach(client -> client.fail(e));
      clients.clear();
      close();
      return;
    }
    if (checks == null) {
      long every = settings.runCheckInterval().toMillis();
      checks =
          timers.scheduleWithFixedDelay(
              () -> worker.execute(this::check), every, every, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Every client waits for a next run: the consumer goes, a core-NATS watch signals the next run.
   */
  private void rest() {
    ReplyTail.Watch watching;
    try {
      watching =
          bus.watch(
              threadId,
              () ->
                  worker.execute(
                      () -> {
                        if (watch != null) {
                          tail(position + 1);
                        }
                      }));
    } catch (RuntimeException e) {
      if (subscription == null) {
        LOG.warn("thread {}: watching failed, tailing instead: {}", threadId, e.getMessage());
        tail(position + 1);
      } else {
        // keep the consumer; the next check after another linger tries again
        LOG.info("thread {}: watching failed, keeping the tail: {}", threadId, e.getMessage());
        lastBusNanos = nanoTime.getAsLong();
      }
      return;
    }
    closeSubscription();
    watch = watching;
    tailIfTheSubjectMoved();
  }

  /** A watch signals what is published after it began: what came before is read here. */
  private void tailIfTheSubjectMoved() {
    try {
      if (bus.lastSequence(threadId) > position) {
        tail(position + 1);
      }
    } catch (RuntimeException e) {
      // the broker is away: its reconnect calls this again
      LOG.info(
          "thread {}: reading the subject's last sequence failed: {}", threadId, e.getMessage());
    }
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
    closeSubscription();
    closeWatch();
    hub.closed(this);
  }

  private void closeSubscription() {
    if (checks != null) {
      checks.cancel(false);
      checks = null;
    }
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
  }

  private void closeWatch() {
    if (watch != null) {
      watch.close();
      watch = null;
    }
  }
}
