package dev.threadline.relay.recovery;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.liveness.ExecutorId;
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
 * At start-up, once the liveness lock is held: takes over the runs this executor id's previous
 * process left running (SIGKILL or SIGTERM alike) and replays them like first runs.
 */
@Singleton
public class OwnRunRecovery {

  private static final Logger LOG = LoggerFactory.getLogger(OwnRunRecovery.class);

  private final RunStore store;
  private final RunWorkers workers;
  private final Clock clock;
  private final RelayMetrics metrics;
  private final String executorId;
  private final Duration lease;

  public OwnRunRecovery(
      RunStore store,
      RunWorkers workers,
      Clock clock,
      ExecutorId executorId,
      RelayConfig config,
      RelayMetrics metrics) {
    this.metrics = metrics;
    this.store = store;
    this.workers = workers;
    this.clock = clock;
    this.executorId = executorId.value();
    this.lease = config.lease();
  }

  /** Recovers and hands the runs to the workers; returns what it took over. */
  public List<TakenOverRun> runOnce() {
    Instant now = clock.instant();
    List<TakenOverRun> recovered = store.recoverOwn(executorId, now, lease);
    recovered.forEach(run -> metrics.tookOver(run, "restart", now, lease));
    if (!recovered.isEmpty()) {
      LOG.info("recovered {} runs of this executor's previous process", recovered.size());
    }
    recovered.forEach(workers::submit);
    return recovered;
  }
}
