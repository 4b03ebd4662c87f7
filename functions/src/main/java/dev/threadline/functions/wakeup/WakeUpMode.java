package dev.threadline.functions.wakeup;

import java.util.Locale;

/** How a submit tells the relays that a run was queued. A lost wake-up costs at most one poll. */
public enum WakeUpMode {
  /**
   * {@code pg_notify} inside the submit transaction. Exactly as durable as the commit, but every
   * notifying commit takes one database-wide lock on the notification queue, so concurrent submits
   * commit one at a time.
   */
  NOTIFY,
  /**
   * A core NATS publish after the commit: commits stay parallel. Lost if the process dies between
   * commit and publish, or NATS is down; the relays' poll then finds the run.
   */
  NATS,
  /** No wake-up: relays find runs by polling only. */
  NONE;

  /**
   * @param value {@code notify}, {@code nats} or {@code none}, any case
   */
  public static WakeUpMode parse(String value) {
    if (value != null) {
      for (WakeUpMode mode : values()) {
        if (mode.name().equals(value.trim().toUpperCase(Locale.ROOT))) {
          return mode;
        }
      }
    }
    throw new IllegalArgumentException(
        "THREADLINE_SUBMIT_WAKE_UP must be notify, nats or none, was " + value);
  }
}
