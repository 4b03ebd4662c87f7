package dev.threadline.relay.liveness;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.store.DirectConnections;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This executor's liveness: the session advisory lock {@code hashtextextended(executorId, 0)} held
 * on a dedicated, non-pooled connection. It dies with the process (or its connection), and
 * survivors' takeover probes then find it free. A paused process keeps it: leases cover that.
 *
 * <p>{@link #acquire()} at start-up waits while another session holds it (the same EXECUTOR_ID
 * running twice, or a survivor's probe mid-takeover) and refuses after the configured time. {@link
 * #check()} verifies it is still held and re-acquires it after the connection dropped; while it is
 * not held the relay must not claim.
 *
 * <p>Each time it takes the lock it checks that its own server session holds it: behind a
 * transaction pooler the lock would land on a shared backend, outlive this process and be released
 * at random, so the relay refuses to start there ({@link PooledLivenessSessionException}).
 */
@Singleton
public class LivenessLock implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LivenessLock.class);

  private final DirectConnections connections;
  private final RelayMetrics metrics;
  private final ExecutorId executorId;
  private final Duration acquireTimeout;
  private Connection connection; // guarded by this
  private volatile boolean held;

  public LivenessLock(
      DirectConnections connections,
      ExecutorId executorId,
      RelayConfig config,
      RelayMetrics metrics) {
    this.connections = connections;
    this.metrics = metrics;
    this.executorId = executorId;
    this.acquireTimeout = config.livenessAcquireTimeout();
  }

  /**
   * Blocks until this process holds the lock.
   *
   * @throws ExecutorIdInUseException when another live session keeps it past the timeout
   */
  public void acquire() {
    long deadline = System.nanoTime() + acquireTimeout.toNanos();
    boolean warned = false;
    while (!tryAcquire()) {
      if (System.nanoTime() > deadline) {
        throw new ExecutorIdInUseException(
            "another live process holds the liveness lock of executor id '"
                + executorId
                + "' (is this EXECUTOR_ID running twice?); gave up after "
                + acquireTimeout
                + " (THREADLINE_RELAY_LIVENESS_ACQUIRE_TIMEOUT)");
      }
      if (!warned) {
        LOG.warn(
            "the liveness lock of executor id '{}' is held by another session (the same"
                + " EXECUTOR_ID running twice, or a survivor taking over our runs): waiting",
            executorId);
        warned = true;
      }
      pause(Duration.ofMillis(250));
    }
    LOG.info("holding the liveness lock of executor {}", executorId);
  }

  /** Whether the lock is held, as of the last acquire or check. */
  public boolean held() {
    return held;
  }

  /** Pings the lock's session; after a drop, tries once to take the lock again. */
  public synchronized boolean check() {
    if (connection != null) {
      try {
        DirectConnections.ping(connection);
        return true;
      } catch (SQLException e) {
        LOG.warn(
            "liveness connection lost ({}); claiming stops until the lock is back", e.getMessage());
        held = false;
        closeQuietly();
      }
    }
    boolean again = tryAcquire();
    if (again) {
      metrics.pgReconnected("liveness");
      LOG.info("liveness lock of executor {} re-acquired", executorId);
    }
    return again;
  }

  private synchronized boolean tryAcquire() {
    try {
      if (connection == null || connection.isClosed()) {
        connection = connections.open("liveness");
      }
      held = DirectConnections.tryLivenessLock(connection, executorId.value());
      if (held && !DirectConnections.lockHeldBySession(connection, executorId.value())) {
        held = false;
        closeQuietly();
        throw new PooledLivenessSessionException(
            "the liveness lock of executor '"
                + executorId
                + "' was granted, but the session it runs on does not hold it: the relay reaches"
                + " PostgreSQL through a transaction-pooling proxy (PgBouncer pool_mode ="
                + " transaction?). A session advisory lock needs a direct session: point"
                + " DATASOURCES_DEFAULT_URL at PostgreSQL itself, or at a session-pooled proxy");
      }
      return held;
    } catch (SQLException e) {
      LOG.warn("cannot take the liveness lock: {}", e.getMessage());
      held = false;
      closeQuietly();
      return false;
    }
  }

  /** Releases the lock by closing its session; the rows stay as they are (same path as a crash). */
  @Override
  public synchronized void close() {
    held = false;
    closeQuietly();
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // the session is gone either way
      }
      connection = null;
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutorIdInUseException("interrupted while waiting for the liveness lock");
    }
  }
}
