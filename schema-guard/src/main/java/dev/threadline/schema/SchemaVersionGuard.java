package dev.threadline.schema;

import dev.threadline.protocol.SchemaVersion;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PostConstruct;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Refuses start-up when the database schema is older than the code. Functions and relay never
 * migrate: {@code migrations.jar} does, before they roll out.
 *
 * <p>It reads the pool underneath Micronaut Data's wrapper: the wrapped DataSource hands out
 * connections only inside a connection or transaction context, and this check runs while the
 * context starts, outside any.
 */
@Context
@Requires(beans = DataSource.class)
@Requires(property = "threadline.schema.check", notEquals = "false")
public class SchemaVersionGuard {

  private final DataSource dataSource;

  public SchemaVersionGuard(DataSource dataSource) {
    this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
  }

  @PostConstruct
  void check() {
    int found = currentVersion();
    if (found < SchemaVersion.REQUIRED) {
      throw new SchemaTooOldException(
          "database schema is at version "
              + found
              + " but this build needs "
              + SchemaVersion.REQUIRED
              + ": run `java -jar migrations/target/migrations.jar` (same DATASOURCES_DEFAULT_* settings) first");
    }
  }

  /** The highest successfully applied Flyway version, 0 when none. */
  public int currentVersion() {
    // two probes by hand: the history table may not exist, which no mapped query can express
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      try (ResultSet exists =
          statement.executeQuery("select to_regclass('flyway_schema_history') is not null")) {
        exists.next();
        if (!exists.getBoolean(1)) {
          return 0;
        }
      }
      try (ResultSet rows =
          statement.executeQuery(
              "select coalesce(max(version::int), 0) from flyway_schema_history"
                  + " where success and version ~ '^[0-9]+$'")) {
        rows.next();
        return rows.getInt(1);
      }
    } catch (SQLException e) {
      throw new SchemaTooOldException(
          "cannot read the schema version (check DATASOURCES_DEFAULT_URL, _USERNAME, _PASSWORD): "
              + e.getMessage(),
          e);
    }
  }
}
