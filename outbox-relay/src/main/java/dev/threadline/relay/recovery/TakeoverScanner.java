package dev.threadline.relay.recovery;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.liveness.ExecutorId;
import dev.threadline.relay.liveness.LivenessLock;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.run.RunWorkers;
import dev.threadline.relay.store.RunStore;
import dev.threadline.relay.store.TakenOverRun;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code takeoverScan}: takes over running runs whose owner is dead (liveness lock free) or
 * silent (lease expired), our own expired ones included, and hands them to the workers. Idle while
 * this process does not hold its own liveness lock.
 */
@Singleton
public class TakeoverScanner {

  private static final Logger LOG = LoggerFactory.getLogger(TakeoverScanner.class);

  private final RunStore store;
  private final RunWorkers workers;
  private final LivenessLock liveness;
  private final Clock clock;
  private final RelayMetrics metrics;
  private final String executorId;
  private final Duration lease;
  private final Duration interval;

  public TakeoverScanner(
      RunStore store,
      RunWorkers workers,
      LivenessLock liveness,
      Clock clock,
      ExecutorId executorId,
      RelayConfig config,
      RelayMetrics metrics) {
    this.metrics = metrics;
    this.store = store;
    this.workers = workers;
    this.liveness = liveness;
    this.clock = clock;
    this.executorId = executorId.value();
    this.lease = config.lease();
    this.interval = config.takeoverScan();
  }

  public Duration interval() {
    return interval;
  }

  public List<TakenOverRun> runOnce() {
    int room = workers.freeSlots();
    // held() is only as fresh as the last liveness check (every second): after our own session
    // died, every other relay's lock looks free too, and two relays cut off together would take
    // each other's runs back and forth. Only a relay whose lock is held right now may judge others.
    if (room == 0 || !liveness.held() || !liveness.check()) {
      return List.of();
    }
    Instant now = clock.instant();
    List<TakenOverRun> taken = store.takeOverOrphans(executorId, now, lease, room);
    for (TakenOverRun run : taken) {
      metrics.tookOver(run, "scan", now, lease);
      LOG.info(
          "took over run {} of thread {} at epoch {} ({})",
          run.run().runId(),
          run.run().threadId(),
          run.run().epoch(),
          run.disposition());
      workers.submit(run);
    }
    return taken;
  }
}
