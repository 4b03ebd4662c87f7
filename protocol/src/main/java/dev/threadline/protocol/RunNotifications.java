package dev.threadline.protocol;

/** PostgreSQL NOTIFY channels the submit side raises and the relay listens to. */
public final class RunNotifications {
  /** Raised in the submit transaction: a run was queued. Payload: the thread id. */
  public static final String RUN_QUEUED = "threadline_run_queued";

  /** Raised when a running run is asked to cancel. Payload: the run id. */
  public static final String CANCEL_REQUESTED = "threadline_cancel_requested";

  private RunNotifications() {}
}
