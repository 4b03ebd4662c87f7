package dev.threadline.functions.bus;

import dev.threadline.functions.metrics.FunctionsMetrics;
import dev.threadline.protocol.ReplyStreamDefinition;
import io.micronaut.context.annotation.Value;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NATS connection per process, created on first use and reused while the instance is warm. It
 * reconnects forever; a failed first connect is retried by the next caller.
 */
@Singleton
public class NatsConnectionProvider implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NatsConnectionProvider.class);

  private final String url;
  private final RepliesConfiguration replies;
  private final FunctionsMetrics metrics;
  private Connection connection;
  private boolean streamEnsured;

  public NatsConnectionProvider(
      @Value("${nats.url}") String url, RepliesConfiguration replies, FunctionsMetrics metrics) {
    this.url = url;
    this.metrics = metrics;
    this.replies = replies;
  }

  /**
   * The connection, connecting (and ensuring the reply stream) first when needed.
   *
   * @throws BusUnavailableException when NATS cannot be reached
   */
  public synchronized Connection connection() {
    try {
      if (connection == null) {
        Options options =
            new Options.Builder()
                .server(url)
                .connectionName("threadline-functions")
                .maxReconnects(-1)
                .connectionTimeout(Duration.ofSeconds(2))
                .reconnectWait(Duration.ofMillis(500))
                .connectionListener(
                    (nats, event) -> {
                      if (event == ConnectionListener.Events.RECONNECTED) {
                        metrics.natsReconnected();
                        LOG.info("NATS reconnected to {}", nats.getConnectedUrl());
                      }
                    })
                .build();
        connection = Nats.connect(options);
        LOG.info("connected to NATS at {}", connection.getConnectedUrl());
      }
      if (!streamEnsured) {
        ReplyStreamDefinition.ensure(
            connection.jetStreamManagement(), replies.names(), replies.replicas());
        streamEnsured = true;
      }
      return connection;
    } catch (IOException | JetStreamApiException e) {
      throw new BusUnavailableException("connecting to NATS at " + url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BusUnavailableException("interrupted while connecting to NATS", e);
    }
  }

  /** The status of the connection, without connecting. */
  public synchronized Connection.Status status() {
    return connection == null ? Connection.Status.DISCONNECTED : connection.getStatus();
  }

  @PreDestroy
  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      connection = null;
    }
  }
}
