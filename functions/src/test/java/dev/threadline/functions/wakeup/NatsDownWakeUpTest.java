package dev.threadline.functions.wakeup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code wake-up: nats} with NATS unreachable: the submit still commits and answers 202 at once;
 * the wake-up is lost, which costs the relays one poll.
 */
@MicronautTest
class NatsDownWakeUpTest extends ApiTestBase {

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("micronaut.server.port", "-1");
    properties.put("threadline.submit.wake-up", "nats");
    properties.put("nats.url", "nats://127.0.0.1:" + closedPort());
    return properties;
  }

  @Test
  void aSubmitCommitsAndAnswersPromptlyWhenTheWakeUpCannotBePublished() {
    String thread = createThread("nadia");
    long started = System.nanoTime();

    UUID run = submit("nadia", thread, "nobody hears this bell");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    assertThat(
            queryLong("select count(*) from runs where id = '" + run + "' and status = 'queued'"))
        .isEqualTo(1);
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort(); // closed again at once: connections to it are refused
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
