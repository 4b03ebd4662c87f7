package dev.threadline.functions.tail;

import dev.threadline.functions.store.RunState;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A thread tail's reads of its runs' rows (the truth when the bus is silent), and their timing. */
final class RunRows {

  private static final Logger LOG = LoggerFactory.getLogger(RunRows.class);

  /** Reads of a superseded run's row, spread over one run-check interval. */
  private static final int SUPERSEDED_READS = 5;

  private final ThreadId threadId;
  private final ThreadStore store;
  private final TailSettings settings;
  private final Map<UUID, Long> terminalSince = new HashMap<>();

  RunRows(ThreadId threadId, ThreadStore store, TailSettings settings) {
    this.threadId = threadId;
    this.store = store;
    this.settings = settings;
  }

  /** The run's row; empty when it cannot be read. */
  Optional<RunState> read(UUID run) {
    try {
      return store.findRunState(threadId, run);
    } catch (RuntimeException e) {
      LOG.warn("thread {}: reading the state of run {} failed: {}", threadId, run, e.getMessage());
      return Optional.empty();
    }
  }

  /** The runs that ran and ended between two runs of the thread; empty when unreadable. */
  List<RunState> endedBetween(UUID after, UUID before) {
    try {
      return store.endedRunsBetween(threadId, after, before);
    } catch (RuntimeException e) {
      LOG.warn(
          "thread {}: reading the runs between {} and {} failed: {}",
          threadId,
          after,
          before,
          e.getMessage());
      return List.of();
    }
  }

  /**
   * The row of a run the bus says is over (another run started): terminal by then, as the next run
   * is claimed only after it. A few reads, for a database that fails one; empty when the row cannot
   * be read or is not terminal.
   */
  Optional<RunState> readTerminal(UUID run) {
    long pause = settings.runCheckInterval().toNanos() / SUPERSEDED_READS;
    for (int attempt = 1; ; attempt++) {
      Optional<RunState> state = read(run);
      if (state.flatMap(StoredRunEnd::eventFor).isPresent() || attempt >= SUPERSEDED_READS) {
        return state;
      }
      LockSupport.parkNanos(pause);
    }
  }

  /** The row says terminal for at least the grace period (database clock, or as seen here). */
  boolean terminalLongEnough(RunState state, long now) {
    long since = terminalSince.computeIfAbsent(state.runId(), run -> now);
    boolean byDatabase =
        state.finishedAgo() != null && state.finishedAgo().compareTo(settings.terminalGrace()) >= 0;
    return byDatabase || now - since >= settings.terminalGrace().toNanos();
  }
}
