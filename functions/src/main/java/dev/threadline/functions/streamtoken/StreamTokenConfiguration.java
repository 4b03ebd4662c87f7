package dev.threadline.functions.streamtoken;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code threadline.stream-token.*}.
 *
 * @param ttl how long a stream token opens its thread's stream: it only has to outlive the attach
 *     (an open stream is not cut when its token expires), so it is short, because a URL ends up in
 *     proxy logs and browser history where a header would not
 */
@ConfigurationProperties("threadline.stream-token")
public record StreamTokenConfiguration(@Bindable(defaultValue = "5m") Duration ttl) {
  public StreamTokenConfiguration {
    if (ttl == null
        || ttl.compareTo(Duration.ofSeconds(10)) < 0
        || ttl.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "threadline.stream-token.ttl (THREADLINE_STREAM_TOKEN_TTL) must be between 10s and 1h");
    }
  }
}
