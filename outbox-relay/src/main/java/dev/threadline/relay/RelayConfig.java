package dev.threadline.relay;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * The relay's tunables ({@code threadline.relay.*}, env {@code THREADLINE_RELAY_*}), validated at
 * start: a bad value stops the process with a message naming the variable.
 *
 * @param lease how long a claim or renewal owns a run without renewing
 * @param leaseRenewal how often in-flight runs' leases are renewed (well under the lease)
 * @param takeoverScan how often dead or silent owners' runs are looked for
 * @param pollInterval how often queued runs are looked for without a notification
 * @param maxConcurrentRuns runs this process works at once (each on a virtual thread)
 * @param retryMaxAttempts starts of a run (first one included) before it fails for good
 * @param backoffBase first retry delay after a transient failure, doubled each attempt
 * @param backoffMax the longest retry delay (before jitter)
 * @param wakeUp claim at once when functions say a run was queued (NOTIFY and the NATS wake-up
 *     subject); off: poll only (the benchmark baseline)
 * @param publishTimeout how long a reply event is retried while the broker is unreachable
 * @param shutdownGrace how long shutdown waits for in-flight runs to stop
 * @param livenessAcquireTimeout how long start-up waits for this executor id's liveness lock
 */
@ConfigurationProperties("threadline.relay")
public record RelayConfig(
    @Bindable(defaultValue = "10s") Duration lease,
    @Bindable(defaultValue = "2s") Duration leaseRenewal,
    @Bindable(defaultValue = "250ms") Duration takeoverScan,
    @Bindable(defaultValue = "500ms") Duration pollInterval,
    @Bindable(defaultValue = "1000") int maxConcurrentRuns,
    @Bindable(defaultValue = "5") int retryMaxAttempts,
    @Bindable(defaultValue = "500ms") Duration backoffBase,
    @Bindable(defaultValue = "30s") Duration backoffMax,
    @Bindable(defaultValue = "true") boolean wakeUp,
    @Bindable(defaultValue = "15s") Duration publishTimeout,
    @Bindable(defaultValue = "5s") Duration shutdownGrace,
    @Bindable(defaultValue = "30s") Duration livenessAcquireTimeout) {

  public RelayConfig {
    positive(lease, "THREADLINE_RELAY_LEASE");
    positive(leaseRenewal, "THREADLINE_RELAY_LEASE_RENEWAL");
    positive(takeoverScan, "THREADLINE_RELAY_TAKEOVER_SCAN");
    positive(pollInterval, "THREADLINE_RELAY_POLL_INTERVAL");
    positive(backoffBase, "THREADLINE_RELAY_BACKOFF_BASE");
    positive(backoffMax, "THREADLINE_RELAY_BACKOFF_MAX");
    positive(publishTimeout, "THREADLINE_RELAY_PUBLISH_TIMEOUT");
    positive(shutdownGrace, "THREADLINE_RELAY_SHUTDOWN_GRACE");
    positive(livenessAcquireTimeout, "THREADLINE_RELAY_LIVENESS_ACQUIRE_TIMEOUT");
    if (leaseRenewal.multipliedBy(2).compareTo(lease) > 0) {
      throw new IllegalArgumentException(
          "THREADLINE_RELAY_LEASE_RENEWAL ("
              + leaseRenewal
              + ") must be at most half of THREADLINE_RELAY_LEASE ("
              + lease
              + "), or a busy relay loses its runs");
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException(
          "THREADLINE_RELAY_BACKOFF_MAX must be at least THREADLINE_RELAY_BACKOFF_BASE");
    }
    if (maxConcurrentRuns < 1) {
      throw new IllegalArgumentException("THREADLINE_RELAY_MAX_CONCURRENT_RUNS must be >= 1");
    }
    if (retryMaxAttempts < 1) {
      throw new IllegalArgumentException("THREADLINE_RELAY_RETRY_MAX_ATTEMPTS must be >= 1");
    }
  }

  private static void positive(Duration value, String variable) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(variable + " must be a positive duration, was " + value);
    }
  }
}
