package dev.threadline.functions.stream;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/** {@code threadline.stream.*}: the SSE endpoint's settings. */
@ConfigurationProperties("threadline.stream")
public record StreamConfiguration(@Bindable(defaultValue = "15s") Duration pingInterval) {
  public StreamConfiguration {
    if (pingInterval == null || pingInterval.isNegative() || pingInterval.isZero()
        || pingInterval.compareTo(Duration.ofSeconds(15)) > 0) {
      throw new IllegalArgumentException(
          "threadline.stream.ping-interval (THREADLINE_STREAM_PING_INTERVAL) must be > 0 and <= 15s");
    }
  }
}
