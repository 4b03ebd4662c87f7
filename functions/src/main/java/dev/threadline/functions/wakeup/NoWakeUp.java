package dev.threadline.functions.wakeup;

import dev.threadline.protocol.ThreadId;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/** {@code THREADLINE_SUBMIT_WAKE_UP=none}: relays find runs by polling only. */
@Singleton
@Requires(property = WakeUpConfiguration.PROPERTY, pattern = "(?i)\\s*none\\s*")
class NoWakeUp implements RunWakeUp {

  @Override
  public void runQueued(ThreadId threadId) {
    // polling only
  }
}
