package dev.threadline.functions.wakeup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code wake-up: nats} (the default): the commit carries no NOTIFY; a NATS publish follows it. */
@MicronautTest
class NatsWakeUpTest extends ApiTestBase {

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("micronaut.server.port", "-1"); // a running local stack may hold 8080
    properties.put("threadline.submit.wake-up", "nats");
    return properties;
  }

  @Test
  void aSubmitCommitsMessageAndRunWithoutNotifyAndThenWakesRelaysOverNats() throws Exception {
    String thread = createThread("nora");
    try (WakeUpProbe probe = new WakeUpProbe(database, names)) {
      UUID run = submit("nora", thread, "wake them");

      assertThat(probe.publishedOnNats(Duration.ofSeconds(5))).containsExactly(thread);
      assertThat(probe.notified(Duration.ofMillis(500))).isEmpty();
      assertThat(
              queryLong("select count(*) from runs where id = '" + run + "' and status = 'queued'"))
          .isEqualTo(1);
      assertThat(queryLong("select count(*) from messages where run_id = '" + run + "'"))
          .isEqualTo(1);
    }
  }
}
