package dev.threadline.functions.drain;

import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** Readiness is DOWN (503) from the moment the instance starts to drain. */
@Singleton
@Readiness
@Requires(beans = HealthEndpoint.class)
class DrainingReadiness implements HealthIndicator {

  private final StreamDrain drain;

  DrainingReadiness(StreamDrain drain) {
    this.drain = drain;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    return Mono.just(
        HealthResult.builder("draining")
            .status(drain.draining() ? HealthStatus.DOWN : HealthStatus.UP)
            .build());
  }
}
