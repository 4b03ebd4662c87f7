package dev.threadline.functions.wakeup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.functions.support.TestTokens;
import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code THREADLINE_SUBMIT_WAKE_UP} picks the one adapter behind the {@link RunWakeUp} port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WakeUpAdapterTest {

  private final TestDatabase database = TestDatabase.createMigrated();

  @AfterAll
  void drop() {
    database.close();
  }

  private ApplicationContext start(String wakeUp) {
    Map<String, Object> properties = new HashMap<>(database.datasourceProperties());
    properties.put("auth.jwt.secret", TestTokens.SECRET);
    properties.put("threadline.management-port", "-1");
    properties.put("threadline.submit.wake-up", wakeUp);
    return ApplicationContext.run(properties);
  }

  private String adapterFor(String wakeUp) {
    try (ApplicationContext context = start(wakeUp)) {
      return context.getBean(RunWakeUp.class).getClass().getSimpleName();
    }
  }

  @Test
  void eachModeGetsItsOwnAdapterWhateverItsCase() {
    assertThat(adapterFor(" NATS ")).isEqualTo("NatsWakeUp");
    assertThat(adapterFor("notify")).isEqualTo("NotifyWakeUp");
    assertThat(adapterFor("None")).isEqualTo("NoWakeUp");
  }

  @Test
  void anUnknownModeStopsTheStartNamingTheVariable() {
    assertThatThrownBy(() -> start("kafka").close())
        .hasStackTraceContaining("THREADLINE_SUBMIT_WAKE_UP must be notify, nats or none");
  }
}
