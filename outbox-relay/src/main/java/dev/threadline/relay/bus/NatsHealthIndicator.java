package dev.threadline.relay.bus;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.nats.client.Connection;
import jakarta.inject.Singleton;
import java.util.Map;

/** {@code /health} is DOWN while the NATS connection is not connected. */
@Singleton
class NatsHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {

  private final NatsConnection nats;

  NatsHealthIndicator(NatsConnection nats) {
    this.nats = nats;
  }

  @Override
  protected Map<String, Object> getHealthInformation() {
    Connection.Status status = nats.connection().getStatus();
    healthStatus = status == Connection.Status.CONNECTED ? HealthStatus.UP : HealthStatus.DOWN;
    return Map.of("status", status.name());
  }

  @Override
  protected String getName() {
    return "nats";
  }
}
