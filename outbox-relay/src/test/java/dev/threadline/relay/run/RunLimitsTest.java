package dev.threadline.relay.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunLimitsTest {

  private static RunLimits bind(Map<String, Object> properties) {
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
      return context.getBean(RunLimits.class);
    }
  }

  @Test
  void hasTheDocumentedDefaults() {
    assertThat(bind(Map.of())).isEqualTo(RunLimits.DEFAULTS);
    assertThat(RunLimits.DEFAULTS)
        .isEqualTo(new RunLimits(Duration.ofMinutes(10), 200_000, 100_000));
  }

  @Test
  void readsTheVariables() {
    assertThat(
            bind(
                Map.of(
                    "threadline.run-timeout", "90s",
                    "threadline.max-reply-chars", "5000",
                    "threadline.history-max-chars", "20000")))
        .isEqualTo(new RunLimits(Duration.ofSeconds(90), 5000, 20000));
    assertThat(RunLimits.parse("PT2M", "1", "1").runTimeout()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void aBadValueStopsStartUpNamingTheVariable() {
    assertThatThrownBy(() -> bind(Map.of("threadline.run-timeout", "soon")))
        .hasStackTraceContaining("THREADLINE_RUN_TIMEOUT");
    assertThatThrownBy(() -> bind(Map.of("threadline.run-timeout", "0s")))
        .hasStackTraceContaining("THREADLINE_RUN_TIMEOUT");
    assertThatThrownBy(() -> bind(Map.of("threadline.max-reply-chars", "0")))
        .hasStackTraceContaining("THREADLINE_MAX_REPLY_CHARS");
    assertThatThrownBy(() -> bind(Map.of("threadline.history-max-chars", "lots")))
        .hasStackTraceContaining("THREADLINE_HISTORY_MAX_CHARS");
  }
}
