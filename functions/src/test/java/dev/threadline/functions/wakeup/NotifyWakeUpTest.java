package dev.threadline.functions.wakeup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code wake-up: notify}: message, run and NOTIFY commit together; nothing goes to NATS. */
@MicronautTest
class NotifyWakeUpTest extends ApiTestBase {

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("micronaut.server.port", "-1"); // a running local stack may hold 8080
    properties.put("threadline.submit.wake-up", "notify");
    return properties;
  }

  @Test
  void aSubmitCommitsMessageRunAndNotificationTogetherAndPublishesNothingOnNats() throws Exception {
    String thread = createThread("otto");
    try (WakeUpProbe probe = new WakeUpProbe(database, names)) {
      UUID run = submit("otto", thread, "notify me");

      assertThat(probe.notified(Duration.ofSeconds(5))).containsExactly(thread);
      assertThat(probe.publishedOnNats(Duration.ofMillis(500))).isEmpty();
      assertThat(
              queryLong("select count(*) from runs where id = '" + run + "' and status = 'queued'"))
          .isEqualTo(1);
      assertThat(queryLong("select count(*) from messages where run_id = '" + run + "'"))
          .isEqualTo(1);
    }
  }
}
