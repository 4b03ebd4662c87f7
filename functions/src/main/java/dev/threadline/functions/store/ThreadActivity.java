package dev.threadline.functions.store;

import java.util.UUID;

/** Whether a thread has a queued or running run, read from PostgreSQL (cluster-wide truth). */
public record ThreadActivity(UUID activeRunId) {
  public boolean inProgress() {
    return activeRunId != null;
  }
}
