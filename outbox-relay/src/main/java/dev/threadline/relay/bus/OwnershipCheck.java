package dev.threadline.relay.bus;

/**
 * Asked by {@link ReplyPublisher#start} after it read the subject's last sequence and before it
 * publishes {@code reset} expecting it: true while the run, at its epoch, is still the latest run
 * of its thread to have started (the database says so). A stale owner that read the sequence after
 * a newer run began is stopped here; one that read it before is refused by the broker, because the
 * newer run's events moved the sequence on.
 */
@FunctionalInterface
public interface OwnershipCheck {

  boolean stillOwner();
}
