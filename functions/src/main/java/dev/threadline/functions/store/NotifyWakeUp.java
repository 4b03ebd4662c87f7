package dev.threadline.functions.store;

import dev.threadline.functions.wakeup.RunWakeUp;
import dev.threadline.functions.wakeup.WakeUpConfiguration;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/**
 * {@code THREADLINE_SUBMIT_WAKE_UP=notify}: {@code pg_notify} in the submit's own transaction,
 * exactly as durable as the run; but every notifying commit takes PostgreSQL's one database-wide
 * notification lock, so concurrent submits commit one at a time (README, How it works: Submit).
 */
@Singleton
@Requires(property = WakeUpConfiguration.PROPERTY, pattern = "(?i)\\s*notify\\s*")
class NotifyWakeUp implements RunWakeUp {

  private final RunRepository runs;

  NotifyWakeUp(RunRepository runs) {
    this.runs = runs;
  }

  @Override
  public void runQueued(ThreadId threadId) {
    runs.sendNotification(RunNotifications.RUN_QUEUED, threadId.value());
  }
}
