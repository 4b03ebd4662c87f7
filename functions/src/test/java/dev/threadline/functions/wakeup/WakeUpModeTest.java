package dev.threadline.functions.wakeup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WakeUpModeTest {

  @Test
  void parsesEachModeInAnyCase() {
    assertThat(WakeUpMode.parse("notify")).isEqualTo(WakeUpMode.NOTIFY);
    assertThat(WakeUpMode.parse(" NATS ")).isEqualTo(WakeUpMode.NATS);
    assertThat(WakeUpMode.parse("None")).isEqualTo(WakeUpMode.NONE);
  }

  @Test
  void anUnknownModeNamesTheVariableToSet() {
    assertThatThrownBy(() -> new WakeUpConfiguration("kafka"))
        .hasMessageContaining("THREADLINE_SUBMIT_WAKE_UP")
        .hasMessageContaining("kafka");
  }
}
