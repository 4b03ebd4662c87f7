package dev.threadline.relay.run;

/** Why a run's in-flight work was aborted; each reason ends the run differently. */
public final class AbortReasons {
  /** The thread's owner asked to cancel: the run ends {@code cancelled}. */
  public static final String CANCEL = "cancel requested";

  /** Another executor owns the run now (lease renewal found it gone): stop, write nothing. */
  public static final String OWNERSHIP_LOST = "ownership lost";

  /** The broker refused our publish: a newer epoch owns the subject. Stop, write nothing. */
  public static final String FENCED = "fenced out by a newer epoch";

  /** This relay is stopping: stop, leave the row for recovery. */
  public static final String SHUTDOWN = "shutdown";

  private AbortReasons() {}
}
