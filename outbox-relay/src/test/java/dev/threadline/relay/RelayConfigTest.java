package dev.threadline.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayConfigTest {

  private static RelayConfig bind(Map<String, Object> properties) {
    // a database of its own: the context's liveness connection must not depend on the default one
    try (TestDatabase database = TestDatabase.createEmpty();
        ApplicationContext context =
            ApplicationContext.builder()
                .properties(properties)
                .properties(Map.copyOf(database.datasourceProperties()))
                .properties(
                    Map.of(
                        "threadline.schema.check", "false", "threadline.relay.background", "false"))
                .deduceEnvironment(false)
                .start()) {
      return context.getBean(RelayConfig.class);
    }
  }

  @Test
  void hasTheDocumentedDefaults() {
    RelayConfig config = bind(Map.of());

    assertThat(config.lease()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.leaseRenewal()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.takeoverScan()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.maxConcurrentRuns()).isEqualTo(1000);
    assertThat(config.retryMaxAttempts()).isEqualTo(5);
    assertThat(config.backoffBase()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.backoffMax()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.wakeUp()).isTrue();
  }

  @Test
  void aBadValueStopsStartUpNamingTheVariable() {
    assertThatThrownBy(
            () ->
                bind(
                    Map.of("threadline.relay.lease", "2s", "threadline.relay.lease-renewal", "3s")))
        .hasStackTraceContaining("THREADLINE_RELAY_LEASE_RENEWAL");
    assertThatThrownBy(() -> bind(Map.of("threadline.relay.max-concurrent-runs", "0")))
        .hasStackTraceContaining("THREADLINE_RELAY_MAX_CONCURRENT_RUNS");
  }
}
