package dev.threadline.relay.run;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.liveness.ExecutorId;
import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.store.LeaseRenewal;
import dev.threadline.relay.store.RunStore;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code leaseRenewal}: extends the leases of the runs in flight. A run missing from the
 * answer was taken from us (abort: ownership lost); one whose cancel was requested is aborted for
 * cancel (the NOTIFY usually got there first).
 */
@Singleton
public class LeaseRenewer {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewer.class);

  private final RunStore store;
  private final InFlightRuns inFlight;
  private final Clock clock;
  private final String executorId;
  private final Duration lease;
  private final Duration interval;

  public LeaseRenewer(
      RunStore store,
      InFlightRuns inFlight,
      Clock clock,
      ExecutorId executorId,
      RelayConfig config) {
    this.store = store;
    this.inFlight = inFlight;
    this.clock = clock;
    this.executorId = executorId.value();
    this.lease = config.lease();
    this.interval = config.leaseRenewal();
  }

  public Duration interval() {
    return interval;
  }

  public void runOnce() {
    renewInFlight();
    store.heartbeat(executorId, clock.instant());
  }

  private void renewInFlight() {
    List<InFlightRun> entries =
        inFlight.snapshot().stream().filter(entry -> !entry.committed()).toList();
    if (entries.isEmpty()) {
      return;
    }
    List<ClaimedRun> asked = entries.stream().map(InFlightRun::current).toList();
    Map<UUID, LeaseRenewal> renewed =
        store.renewLeases(executorId, asked, clock.instant(), lease).stream()
            .collect(Collectors.toMap(LeaseRenewal::runId, r -> r));
    for (int i = 0; i < entries.size(); i++) {
      InFlightRun entry = entries.get(i);
      ClaimedRun run = asked.get(i);
      LeaseRenewal renewal = renewed.get(run.runId());
      if (renewal == null) {
        synchronized (entry) {
          // a retry may have raised the epoch meanwhile: then this run is still ours
          if (entry.current().epoch() == run.epoch()) {
            try (RunMdc ignored = RunMdc.of(run)) {
              LOG.warn("lease not renewed: another executor owns the run now; aborting it");
            }
            entry.abort().abort(AbortReasons.OWNERSHIP_LOST);
          }
        }
      } else if (renewal.cancelRequested()) {
        entry.abort().abort(AbortReasons.CANCEL);
      }
    }
  }
}
