package dev.threadline.relay.store;

import java.util.UUID;

/** A run whose lease was extended, and whether its cancel has been requested meanwhile. */
public record LeaseRenewal(UUID runId, long epoch, boolean cancelRequested) {}
