package dev.threadline.functions.wakeup;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code threadline.submit.wake-up} (env {@code THREADLINE_SUBMIT_WAKE_UP}): how relays learn of a
 * queued run, validated at start-up. Relays hear both NOTIFY and NATS wake-ups, so this can change
 * without touching them.
 */
@Context // validated at start-up even though only the adapters' conditions read the property
@ConfigurationProperties("threadline.submit")
public record WakeUpConfiguration(@Bindable(defaultValue = "nats") String wakeUp) {

  /** What selects the {@link RunWakeUp} adapter. */
  public static final String PROPERTY = "threadline.submit.wake-up";

  public WakeUpConfiguration {
    WakeUpMode.parse(wakeUp); // fails start-up with the variable's name
  }

  public WakeUpMode mode() {
    return WakeUpMode.parse(wakeUp);
  }
}
