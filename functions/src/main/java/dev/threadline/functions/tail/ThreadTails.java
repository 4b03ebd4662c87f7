package dev.threadline.functions.tail;

import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub: one {@link ThreadTail} per thread on this instance, shared by all its clients. A client
 * whose resume point lies before what the shared tail keeps in memory gets a tail of its own,
 * opened at its start (rare: a resume from an earlier run while the memory moved on). Tails run on
 * a small shared pool and timer; the bus delivers on one shared dispatcher: threads do not grow
 * with streams. Deleted threads' streams end here.
 */
@Singleton
public class ThreadTails implements ThreadTail.Hub, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ThreadTails.class);

  private final ReplyTail bus;
  private final ThreadStore store;
  private final TailSettings settings;
  private final ExecutorService pool;
  private final ScheduledExecutorService timers;
  private final Map<ThreadId, ThreadTail> shared = new ConcurrentHashMap<>();
  private final Set<ThreadTail> own = ConcurrentHashMap.newKeySet();
  private volatile boolean signalsWired;

  public ThreadTails(ReplyTail bus, ThreadStore store, TailSettings settings) {
    this.bus = bus;
    this.store = store;
    this.settings = settings;
    // Virtual threads: a tail's task may block on the broker or the database (a stream leader
    // being elected, PostgreSQL restarting) and must not hold up every other thread's tail, as a
    // small shared pool did. Each tail still runs one task at a time (SerialExecutor).
    this.pool =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("thread-tail-", 1).factory());
    this.timers =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "thread-tail-timer"));
  }

  /**
   * Hands {@code client} to its thread's tail; from then on the tail sends it the thread's events.
   * Returns at once: the tail attaches it on its own worker.
   *
   * @throws RuntimeException when the broker does not answer (first use only)
   */
  public void attach(ThreadId threadId, TailClient client) {
    wireSignals();
    shared.computeIfAbsent(threadId, this::sharedTail).attach(client);
  }

  /** The client left (its response ended or was cut): its tail forgets it. */
  public void detach(ThreadId threadId, TailClient client) {
    ThreadTail tail = shared.get(threadId);
    if (tail != null) {
      tail.detach(client);
    }
    for (ThreadTail mine : own) {
      if (mine.threadId().equals(threadId)) {
        mine.detach(client);
      }
    }
  }

  /** Tails open now, shared and own ones. */
  public int openTails() {
    return shared.size() + own.size();
  }

  @Override
  public void closed(ThreadTail tail) {
    if (tail.shared()) {
      shared.remove(tail.threadId(), tail);
    } else {
      own.remove(tail);
    }
  }

  @Override
  public void elsewhere(ThreadTail tail, TailClient client, boolean closed) {
    if (closed) {
      attach(tail.threadId(), client);
      return;
    }
    ThreadTail mine = newTail(tail.threadId(), false);
    own.add(mine);
    mine.attach(client);
  }

  private ThreadTail sharedTail(ThreadId threadId) {
    return newTail(threadId, true);
  }

  private ThreadTail newTail(ThreadId threadId, boolean isShared) {
    return new ThreadTail(
        threadId,
        isShared,
        bus,
        store,
        settings,
        new SerialExecutor(pool),
        timers,
        System::nanoTime,
        this);
  }

  /** Deletions and reconnects reach every tail; wired on first use, when the broker answers. */
  private void wireSignals() {
    if (signalsWired) {
      return;
    }
    synchronized (this) {
      if (signalsWired) {
        return;
      }
      bus.onThreadDeleted(this::threadDeleted);
      bus.onReconnected(
          () -> {
            shared.values().forEach(ThreadTail::reconnected);
            own.forEach(ThreadTail::reconnected);
          });
      signalsWired = true;
    }
  }

  private void threadDeleted(ThreadId threadId) {
    LOG.debug("thread {} deleted", threadId);
    ThreadTail tail = shared.get(threadId);
    if (tail != null) {
      tail.threadDeleted();
    }
    for (ThreadTail mine : own) {
      if (mine.threadId().equals(threadId)) {
        mine.threadDeleted();
      }
    }
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }

  @PreDestroy
  @Override
  public void close() {
    timers.shutdownNow();
    pool.shutdownNow();
  }
}
