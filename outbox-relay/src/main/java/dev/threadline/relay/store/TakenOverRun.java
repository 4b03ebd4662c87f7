package dev.threadline.relay.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A run this executor took over from a dead or silent owner (or from its own previous process), at
 * a raised epoch, and what the takeover did with it.
 *
 * @param previousLeaseExpiresAt the lease the previous owner last set (null when unknown): that
 *     minus the lease is its last renewal, from which takeover latency is measured
 */
public record TakenOverRun(
    ClaimedRun run, Disposition disposition, Instant previousLeaseExpiresAt) {

  public enum Disposition {
    /** Still running, now ours: replay it from the start. */
    RESUME,
    /** Its cancel had been requested: the takeover cancelled it. */
    CANCELLED,
    /** Not retryable: the takeover failed it rather than run it twice. */
    FAILED_NOT_RETRYABLE
  }

  /** The error written on a non-retryable run found orphaned. */
  public static final String NOT_RETRYABLE_ERROR =
      "the run was interrupted and is not retryable: it was failed rather than run twice";

  public TakenOverRun {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(disposition, "disposition");
  }
}
