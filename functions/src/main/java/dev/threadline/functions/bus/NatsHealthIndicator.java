package dev.threadline.functions.bus;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.nats.client.Connection;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;

/** UP when NATS answers a round trip within a second; connects first if needed. */
@Singleton
public class NatsHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {

  private final NatsConnectionProvider nats;

  public NatsHealthIndicator(NatsConnectionProvider nats) {
    this.nats = nats;
  }

  @Override
  protected Map<String, Object> getHealthInformation() {
    try {
      Connection connection = nats.connection();
      Duration rtt = connection.RTT();
      healthStatus =
          rtt.compareTo(Duration.ofSeconds(1)) <= 0 ? HealthStatus.UP : HealthStatus.DOWN;
      return Map.of("rttMillis", rtt.toMillis());
    } catch (Exception e) {
      healthStatus = HealthStatus.DOWN;
      return Map.of("error", String.valueOf(e.getMessage()));
    }
  }

  @Override
  protected String getName() {
    return "nats";
  }
}
