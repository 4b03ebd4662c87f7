package dev.threadline.relay.bus;

import dev.threadline.relay.metrics.RelayMetrics;
import io.micronaut.context.annotation.Value;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one NATS connection ({@code nats.url}, env {@code NATS_URL}). It reconnects
 * forever; publishers retry across a reconnect, so nothing needs re-arming here.
 */
@Singleton
public class NatsConnection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NatsConnection.class);

  private final Connection connection;

  /** For tests that need a bare connection: reconnects are logged, not counted. */
  public NatsConnection(String url) {
    this(url, () -> {});
  }

  @Inject
  public NatsConnection(
      @Value("${nats.url:`nats://127.0.0.1:4222`}") String url, RelayMetrics metrics) {
    this(url, metrics::natsReconnected);
  }

  private NatsConnection(String url, Runnable onReconnect) {
    Options options =
        Options.builder()
            .server(url)
            .connectionName("threadline-relay")
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(500))
            .connectionTimeout(Duration.ofSeconds(5))
            .connectionListener((connection, event) -> onEvent(connection, event, onReconnect))
            .errorListener(new ErrorListener() {})
            .build();
    try {
      this.connection = Nats.connect(options);
    } catch (IOException e) {
      throw new IllegalStateException("cannot connect to NATS at " + url + " (check NATS_URL)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted connecting to NATS at " + url, e);
    }
  }

  public Connection connection() {
    return connection;
  }

  private static void onEvent(
      Connection connection, ConnectionListener.Events event, Runnable onReconnect) {
    switch (event) {
      case DISCONNECTED -> LOG.warn("NATS disconnected, reconnecting");
      case RECONNECTED -> {
        onReconnect.run();
        LOG.info("NATS reconnected to {}", connection.getConnectedUrl());
      }
      case CLOSED -> LOG.info("NATS connection closed");
      default -> LOG.debug("NATS {}", event);
    }
  }

  @PreDestroy
  @Override
  public void close() {
    try {
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
