package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lesson 12: silence is not the end. A client that sends nothing after its request is not cut off
 * by the server's read-idle timeout while the stream is open (here shortened to 1 s).
 */
@MicronautTest
class IdleTimeoutTest extends ApiTestBase {

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("micronaut.server.read-idle-timeout", "1s");
    properties.put("micronaut.server.idle-timeout", "1s");
    return properties;
  }

  @Test
  void anOpenStreamOutlivesTheReadIdleTimeout() {
    String thread = createThread("grace");
    try (SseClient sse =
        SseClient.open(
            api, "/v1/threads/" + thread + "/stream", TestTokens.forOwner("grace"), null)) {
      assertThat(sse.nextLine(Duration.ofSeconds(10))).isEqualTo(": attached");
      assertThat(sse.ended(Duration.ofSeconds(4))).isFalse();
    }
  }
}
