package dev.threadline.relay.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.completion.AbortSignal;
import dev.threadline.completion.CompletionAbortedException;
import dev.threadline.relay.RelayConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  private final RetryBackoff backoff =
      new RetryBackoff(
          new RelayConfig(
              Duration.ofSeconds(10),
              Duration.ofSeconds(2),
              Duration.ofMillis(250),
              Duration.ofMillis(500),
              64,
              5,
              Duration.ofMillis(500),
              Duration.ofSeconds(30),
              true,
              Duration.ofSeconds(15),
              Duration.ofSeconds(5),
              Duration.ofSeconds(30)));

  @Test
  void growsExponentiallyWithJitterUpToTheMaximum() {
    for (int i = 0; i < 50; i++) {
      assertThat(backoff.delayAfter(1, Optional.empty()))
          .isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
      assertThat(backoff.delayAfter(3, Optional.empty()))
          .isBetween(Duration.ofMillis(1000), Duration.ofMillis(2000));
      assertThat(backoff.delayAfter(30, Optional.empty()))
          .isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
    }
  }

  @Test
  void honoursTheProvidersRetryAfter() {
    assertThat(backoff.delayAfter(1, Optional.of(Duration.ofSeconds(7))))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(backoff.delayAfter(1, Optional.of(Duration.ofHours(1))))
        .isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void anAbortCutsTheWaitShort() {
    AbortSignal abort = new AbortSignal();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      timer.schedule(() -> abort.abort(AbortReasons.CANCEL), 50, TimeUnit.MILLISECONDS);
      long started = System.nanoTime();

      assertThatThrownBy(() -> backoff.await(Duration.ofSeconds(30), abort))
          .isInstanceOf(CompletionAbortedException.class)
          .hasMessage(AbortReasons.CANCEL);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    } finally {
      timer.shutdownNow();
    }
  }
}
