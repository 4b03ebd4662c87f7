package dev.threadline.relay.liveness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutorIdFactoryTest {

  private static ExecutorId resolve(Map<String, Object> properties, String... environments) {
    ApplicationContext context =
        ApplicationContext.builder()
            .properties(properties)
            .environments(environments)
            .deduceEnvironment(false)
            .build();
    Environment environment = context.getEnvironment().start();
    try {
      return new ExecutorIdFactory().executorId(environment);
    } finally {
      environment.stop();
    }
  }

  @Test
  void usesExecutorIdFirstThenPodName() {
    assertThat(resolve(Map.of("executor.id", "relay-0", "pod.name", "pod-7")).value())
        .isEqualTo("relay-0");
    assertThat(resolve(Map.of("pod.name", "pod-7")).value()).isEqualTo("pod-7");
  }

  @Test
  void refusesToStartInProdWithoutAStableId() {
    assertThatThrownBy(() -> resolve(Map.of(), "prod"))
        .hasMessageContaining("EXECUTOR_ID")
        .hasMessageContaining("POD_NAME");
  }

  @Test
  void usesARandomIdOutsideProd() {
    assertThat(resolve(Map.of()).value()).startsWith("dev-");
  }

  @Test
  void rejectsAnIdThatIsNotASafeToken() {
    assertThatThrownBy(() -> resolve(Map.of("executor.id", "has space")))
        .hasMessageContaining("EXECUTOR_ID");
  }
}
