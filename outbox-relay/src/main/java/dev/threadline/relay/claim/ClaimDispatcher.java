package dev.threadline.relay.claim;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.liveness.ExecutorId;
import dev.threadline.relay.liveness.LivenessLock;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.run.RunWorkers;
import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.store.RunStore;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims queued runs while this process holds its liveness lock and has free slots, and hands them
 * to the workers. Woken by NOTIFY and by freed slots; polls every {@code pollInterval} in case a
 * notification was missed.
 */
@Singleton
public class ClaimDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(ClaimDispatcher.class);

  private final RunStore store;
  private final RunWorkers workers;
  private final LivenessLock liveness;
  private final Clock clock;
  private final RelayMetrics metrics;
  private final String executorId;
  private final Duration lease;
  private final Duration pollInterval;

  public ClaimDispatcher(
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
    this.pollInterval = config.pollInterval();
  }

  /**
   * Claims one run if it may; returns how long to wait before the next try (zero: at once, there
   * may be more).
   */
  public Duration runOnce() {
    if (!liveness.held() || workers.freeSlots() == 0) {
      return pollInterval;
    }
    Instant now = clock.instant();
    Optional<ClaimedRun> claimed = store.claimNext(executorId, now, lease);
    if (claimed.isEmpty()) {
      return pollInterval;
    }
    ClaimedRun run = claimed.get();
    metrics.claimed(run.createdAt(), now);
    LOG.debug("claimed run {} of thread {} at epoch {}", run.runId(), run.threadId(), run.epoch());
    workers.submit(run);
    return Duration.ZERO;
  }
}
