package dev.threadline.relay;

import dev.threadline.relay.run.RunLimits;
import dev.threadline.relay.store.IdGenerator;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.UUID;

/** Time, ids and the run limits, injected so tests can set them. */
@Factory
class RelayBeans {

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * {@code THREADLINE_RUN_TIMEOUT}, {@code THREADLINE_MAX_REPLY_CHARS}, {@code ..._HISTORY_...}.
   */
  @Context // validated at start-up, before any run is claimed
  RunLimits runLimits(
      @Value("${threadline.run-timeout:10m}") String runTimeout,
      @Value("${threadline.max-reply-chars:200000}") String maxReplyChars,
      @Value("${threadline.history-max-chars:100000}") String historyMaxChars) {
    return RunLimits.parse(runTimeout, maxReplyChars, historyMaxChars);
  }

  @Singleton
  IdGenerator idGenerator() {
    return UUID::randomUUID;
  }
}
