package dev.threadline.relay.run;

import dev.threadline.relay.store.ClaimedRun;
import org.slf4j.MDC;

/** Puts a run's thread, run id and epoch into the logging context for the current thread. */
public final class RunMdc implements AutoCloseable {

  private RunMdc() {}

  public static RunMdc of(ClaimedRun run) {
    MDC.put("threadId", run.threadId().value());
    MDC.put("runId", run.runId().toString());
    MDC.put("epoch", Long.toString(run.epoch()));
    return new RunMdc();
  }

  @Override
  public void close() {
    MDC.remove("threadId");
    MDC.remove("runId");
    MDC.remove("epoch");
  }
}
