package dev.threadline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.protocol.SchemaVersion;
import dev.threadline.testsupport.TestDatabase;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class SchemaVersionGuardTest {

  private static PGSimpleDataSource dataSource(TestDatabase database) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(database.jdbcUrl());
    dataSource.setUser(database.username());
    dataSource.setPassword(database.password());
    return dataSource;
  }

  /** What Micronaut Data's wrapper does outside a connection context: no connection. */
  private static DataSource contextualOnly(DataSource pool) {
    return new DelegatingDataSource(pool) {
      @Override
      public Connection getConnection() throws SQLException {
        throw new SQLException("No current connection present");
      }
    };
  }

  @Test
  void aDatabaseWithoutSchemaStopsTheStartNamingTheMigrationsJar() {
    try (TestDatabase database = TestDatabase.createEmpty()) {
      SchemaVersionGuard guard = new SchemaVersionGuard(dataSource(database));
      assertThatThrownBy(guard::check)
          .isInstanceOf(SchemaTooOldException.class)
          .hasMessageContaining("schema is at version 0")
          .hasMessageContaining("migrations.jar");
    }
  }

  @Test
  void aMigratedDatabaseBehindMicronautDatasWrapperIsReadThroughThePoolUnderneath() {
    try (TestDatabase database = TestDatabase.createMigrated()) {
      SchemaVersionGuard guard = new SchemaVersionGuard(contextualOnly(dataSource(database)));
      guard.check();
      assertThat(guard.currentVersion()).isEqualTo(SchemaVersion.REQUIRED);
    }
  }
}
