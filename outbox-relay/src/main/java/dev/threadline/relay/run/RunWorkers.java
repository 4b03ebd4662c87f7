package dev.threadline.relay.run;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.liveness.ExecutorId;
import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.store.TakenOverRun;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Works each run on a virtual thread of its own ({@code relay-run-N}): a run mostly waits on the
 * model's stream, so the number of runs in flight is bounded by memory and by {@code
 * maxConcurrentRuns} for claims, not by platform threads. Runs taken over are always accepted.
 * Listeners hear when a slot frees up.
 */
@Singleton
public class RunWorkers {

  private static final Logger LOG = LoggerFactory.getLogger(RunWorkers.class);

  private final RunProcessor processor;
  private final InFlightRuns inFlight;
  private final String executorId;
  private final int maxConcurrent;
  private final ExecutorService pool;
  private final AtomicInteger busy = new AtomicInteger();
  private volatile Runnable onSlotFreed = () -> {};

  public RunWorkers(
      RunProcessor processor, InFlightRuns inFlight, ExecutorId executorId, RelayConfig config) {
    this.processor = processor;
    this.inFlight = inFlight;
    this.executorId = executorId.value();
    this.maxConcurrent = config.maxConcurrentRuns();
    this.pool =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("relay-run-", 1).factory());
  }

  public void onSlotFreed(Runnable listener) {
    this.onSlotFreed = listener;
  }

  public int freeSlots() {
    return Math.max(0, maxConcurrent - busy.get());
  }

  public void submit(ClaimedRun run) {
    InFlightRun entry = inFlight.register(run);
    try {
      execute(
          () -> {
            try {
              processor.process(entry);
            } finally {
              inFlight.remove(entry);
            }
          });
    } catch (RejectedExecutionException e) {
      // shutting down: the row stays for recovery, and its lease must not be renewed any more
      inFlight.remove(entry);
      throw e;
    }
  }

  public void submit(TakenOverRun taken) {
    if (taken.disposition() == TakenOverRun.Disposition.RESUME) {
      submit(taken.run());
    } else {
      execute(() -> processor.announce(taken));
    }
  }

  private void execute(Runnable work) {
    busy.incrementAndGet();
    try {
      submitToPool(work);
    } catch (RejectedExecutionException e) {
      busy.decrementAndGet();
      throw e;
    }
  }

  private void submitToPool(Runnable work) {
    pool.execute(
        () -> {
          MDC.put("executorId", executorId);
          try {
            work.run();
          } catch (RuntimeException | Error e) {
            // RunProcessor retries or fails a run whatever breaks; only when even that failed
            // (the database is gone) does the row stay running until its lease expires and a
            // takeover (ours included) resumes it
            LOG.error("run worker failed; the run is left for takeover once its lease expires", e);
          } finally {
            MDC.clear();
            busy.decrementAndGet();
            onSlotFreed.run();
          }
        });
  }

  /** Aborts in-flight runs for shutdown (rows untouched) and waits up to {@code grace}. */
  public boolean stop(Duration grace) {
    inFlight.abortAll(AbortReasons.SHUTDOWN);
    pool.shutdown();
    try {
      if (pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
      LOG.warn("{} runs still busy after {}; interrupting them", busy.get(), grace);
      pool.shutdownNow();
      return pool.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
