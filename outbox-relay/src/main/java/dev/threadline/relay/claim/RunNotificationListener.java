package dev.threadline.relay.claim;

import dev.threadline.protocol.RunNotifications;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.run.AbortReasons;
import dev.threadline.relay.run.InFlightRuns;
import dev.threadline.relay.store.DirectConnections;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs on a dedicated connection: {@code RUN_QUEUED} wakes the claim loop (when wake-up is on),
 * {@code CANCEL_REQUESTED} aborts the named run if it is in flight here, so it stops within a
 * second. {@link #runOnce()} waits up to {@code wait} for notifications; a broken connection is
 * dropped and re-opened on the next call, and the claim loop is woken then, since notifications
 * sent meanwhile are lost.
 */
@Singleton
public class RunNotificationListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RunNotificationListener.class);
  private static final Duration PING_EVERY = Duration.ofSeconds(5);

  private final DirectConnections connections;
  private final RelayMetrics metrics;
  private boolean opened; // a later open is a reconnect
  private final InFlightRuns inFlight;
  private Connection connection; // only the listener's own thread touches it, and close()
  private long lastPingNanos;
  private boolean listenForQueued = true;
  private Runnable onRunQueued = () -> {};

  public RunNotificationListener(
      DirectConnections connections, InFlightRuns inFlight, RelayMetrics metrics) {
    this.connections = connections;
    this.metrics = metrics;
    this.inFlight = inFlight;
  }

  /**
   * @param listenForQueued false: poll-only claiming (the benchmark baseline); cancels still heard
   */
  public void configure(boolean listenForQueued, Runnable onRunQueued) {
    this.listenForQueued = listenForQueued;
    this.onRunQueued = onRunQueued;
  }

  public synchronized void runOnce(Duration wait) {
    try {
      if (connection == null) {
        connection = connections.open("listen");
        if (listenForQueued) {
          DirectConnections.listen(connection, RunNotifications.RUN_QUEUED);
        }
        DirectConnections.listen(connection, RunNotifications.CANCEL_REQUESTED);
        lastPingNanos = System.nanoTime();
        if (opened) {
          metrics.pgReconnected("listen");
        }
        opened = true;
        LOG.info("listening for run notifications");
        onRunQueued.run(); // whatever was queued while we were not listening
      }
      PGNotification[] notifications =
          connection.unwrap(PGConnection.class).getNotifications((int) wait.toMillis());
      if (notifications != null) {
        for (PGNotification notification : notifications) {
          dispatch(notification);
        }
      }
      if (System.nanoTime() - lastPingNanos > PING_EVERY.toNanos()) {
        DirectConnections.ping(connection); // a silent, dead connection shows up here
        lastPingNanos = System.nanoTime();
      }
    } catch (SQLException e) {
      closeQuietly();
      throw new IllegalStateException("LISTEN connection failed: " + e.getMessage(), e);
    }
  }

  private void dispatch(PGNotification notification) {
    String channel = notification.getName();
    if (RunNotifications.RUN_QUEUED.equals(channel)) {
      onRunQueued.run();
    } else if (RunNotifications.CANCEL_REQUESTED.equals(channel)) {
      try {
        UUID runId = UUID.fromString(notification.getParameter().trim());
        if (inFlight.abort(runId, AbortReasons.CANCEL)) {
          LOG.info("cancel requested for in-flight run {}", runId);
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("ignoring a cancel notification whose payload is not a run id");
      }
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // gone either way
      }
      connection = null;
    }
  }
}
