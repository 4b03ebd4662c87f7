package dev.threadline.relay.store;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Dedicated, non-pooled PostgreSQL sessions: the liveness lock and LISTEN need a session of their
 * own that lives exactly as long as they do (a pool or a transaction-pooling proxy would share or
 * strand it). TCP keepalive lets a dead peer be noticed. Their statements are written by hand on
 * purpose: they run outside Micronaut Data's pool and transactions, which must never see them.
 */
@Singleton
public class DirectConnections {

  private final String url;
  private final String username;
  private final String password;

  public DirectConnections(
      @Value("${datasources.default.url}") String url,
      @Value("${datasources.default.username:postgres}") String username,
      @Value("${datasources.default.password:}") String password) {
    this.url = url;
    this.username = username;
    this.password = password;
  }

  public Connection open(String purpose) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", username);
    properties.setProperty("password", password == null ? "" : password);
    properties.setProperty("tcpKeepAlive", "true");
    properties.setProperty("connectTimeout", "5");
    properties.setProperty("socketTimeout", "30");
    properties.setProperty("ApplicationName", "threadline-relay-" + purpose);
    return DriverManager.getConnection(url, properties);
  }

  /** Tries the executor's session-level liveness lock; true when this session holds it now. */
  public static boolean tryLivenessLock(Connection connection, String executorId)
      throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement(RunSql.TRY_LIVENESS_LOCK)) {
      lock.setString(1, executorId);
      try (ResultSet row = lock.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    }
  }

  /**
   * Whether the executor's liveness lock is held by the very backend this connection reaches now.
   * False when it was taken through a transaction-pooling proxy, which ran the lock on one server
   * session and runs this probe on another.
   */
  public static boolean lockHeldBySession(Connection connection, String executorId)
      throws SQLException {
    try (PreparedStatement held = connection.prepareStatement(RunSql.LIVENESS_LOCK_HELD_HERE)) {
      held.setString(1, executorId);
      try (ResultSet row = held.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    }
  }

  /** A round trip, so a dead session is noticed. */
  public static void ping(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(RunSql.PING);
    }
  }

  /** LISTEN on a channel; names are constants of {@code RunNotifications}, never user input. */
  public static void listen(Connection connection, String channel) throws SQLException {
    if (!channel.matches("[a-z_]+")) {
      throw new IllegalArgumentException("not a channel name: " + channel);
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN " + channel);
    }
  }
}
