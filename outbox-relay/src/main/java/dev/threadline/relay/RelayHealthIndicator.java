package dev.threadline.relay;

import dev.threadline.relay.liveness.ExecutorId;
import dev.threadline.relay.liveness.LivenessLock;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.run.InFlightRuns;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;

/** The relay's own state on {@code /health}: identity, liveness lock, runs in flight, outcomes. */
@Singleton
class RelayHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {

  private final ExecutorId executorId;
  private final LivenessLock liveness;
  private final InFlightRuns inFlight;
  private final RelayMetrics counters;

  RelayHealthIndicator(
      ExecutorId executorId, LivenessLock liveness, InFlightRuns inFlight, RelayMetrics counters) {
    this.executorId = executorId;
    this.liveness = liveness;
    this.inFlight = inFlight;
    this.counters = counters;
  }

  @Override
  protected Map<String, Object> getHealthInformation() {
    healthStatus = HealthStatus.UP; // database and NATS have their own indicators
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("executorId", executorId.value());
    details.put("livenessLockHeld", liveness.held());
    details.put("runsInFlight", inFlight.size());
    details.put("runs", counters.snapshot());
    return details;
  }

  @Override
  protected String getName() {
    return "relay";
  }
}
