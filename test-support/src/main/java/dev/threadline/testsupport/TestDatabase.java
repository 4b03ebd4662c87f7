package dev.threadline.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A private, migrated PostgreSQL database for one test class. Uses the PostgreSQL on 127.0.0.1:5432
 * (or {@code THREADLINE_TEST_PG_URL}, a JDBC URL of a server, not a database); with neither
 * reachable and a Docker engine present, a Testcontainers PostgreSQL.
 */
public final class TestDatabase implements AutoCloseable {

  private static final String DEFAULT_SERVER = "jdbc:postgresql://127.0.0.1:5432/postgres";

  private final String serverUrl;
  private final String username;
  private final String password;
  private final String name;
  private final PostgreSQLContainer<?> container;

  private TestDatabase(
      String serverUrl, String username, String password, PostgreSQLContainer<?> container) {
    this.serverUrl = serverUrl;
    this.username = username;
    this.password = password;
    this.container = container;
    this.name = "threadline_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  /** A new empty database, migrated to the newest schema. */
  public static TestDatabase createMigrated() {
    TestDatabase database = createEmpty();
    database.migrate();
    return database;
  }

  /**
   * A new migrated database on another server ({@code serverUrl}: a JDBC URL of its {@code
   * postgres} database, user {@code postgres} without a password), e.g. a {@link PrivatePostgres}.
   */
  public static TestDatabase createMigratedOn(String serverUrl) {
    TestDatabase database = new TestDatabase(serverUrl, "postgres", "", null);
    database.admin("create database " + database.name);
    database.migrate();
    return database;
  }

  /** A new empty database with no schema at all. */
  public static TestDatabase createEmpty() {
    TestDatabase database = connectToServer();
    database.admin("create database " + database.name);
    return database;
  }

  private static TestDatabase connectToServer() {
    String url = System.getenv().getOrDefault("THREADLINE_TEST_PG_URL", DEFAULT_SERVER);
    try (Connection ignored = DriverManager.getConnection(url, "postgres", "")) {
      return new TestDatabase(url, "postgres", "", null);
    } catch (SQLException unreachable) {
      if (!dockerAvailable()) {
        throw new IllegalStateException(
            "no PostgreSQL at "
                + url
                + " and no Docker engine: start PostgreSQL (./local-stack/up)",
            unreachable);
      }
      PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:15-alpine");
      container.start();
      String server = container.getJdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/postgres$1");
      return new TestDatabase(server, container.getUsername(), container.getPassword(), container);
    }
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  public void migrate() {
    Flyway.configure()
        .dataSource(jdbcUrl(), username, password)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  public String jdbcUrl() {
    return serverUrl.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
  }

  public String username() {
    return username;
  }

  public String password() {
    return password;
  }

  public String name() {
    return name;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), username, password);
  }

  /** Micronaut properties that point the default datasource here. */
  public Map<String, String> datasourceProperties() {
    return Map.of(
        "datasources.default.url", jdbcUrl(),
        "datasources.default.username", username,
        "datasources.default.password", password);
  }

  /** Environment variables that point a jar started as a process here. */
  public Map<String, String> datasourceEnvironment() {
    return Map.of(
        "DATASOURCES_DEFAULT_URL", jdbcUrl(),
        "DATASOURCES_DEFAULT_USERNAME", username,
        "DATASOURCES_DEFAULT_PASSWORD", password);
  }

  private void admin(String sql) {
    try (Connection connection = DriverManager.getConnection(serverUrl, username, password);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    admin("drop database if exists " + name + " with (force)");
    if (container != null) {
      container.stop();
    }
  }
}
