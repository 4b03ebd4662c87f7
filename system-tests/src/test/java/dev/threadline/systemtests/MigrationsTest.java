package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README, Operate (deploy order): migrations.jar migrates and exits; functions and relay never
 * start on an old schema.
 */
@Tag("processes")
@Timeout(180)
class MigrationsTest {

  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

  private TestDatabase empty;
  private final ReplyStreamNames replies = TestReplyStream.unique();

  @BeforeEach
  void createEmptyDatabase() {
    empty = TestDatabase.createEmpty();
  }

  @AfterEach
  void dropDatabase() {
    empty.close();
    TestNats.deleteStream(replies);
  }

  @Test
  void migrationsJarMigratesAnEmptyDatabaseAndASecondRunChangesNothing() throws Exception {
    try (JarProcess first =
        JarProcess.startJar(
            "migrations-first",
            Repository.current().migrationsJar(),
            empty.datasourceEnvironment())) {
      assertThat(first.awaitExit(EXIT_TIMEOUT))
          .as("exit code; log:\n%s", first.logTail(30))
          .isZero();
    }
    int applied = appliedMigrations();
    assertThat(applied).isPositive();

    try (JarProcess second =
        JarProcess.startJar(
            "migrations-second",
            Repository.current().migrationsJar(),
            empty.datasourceEnvironment())) {
      assertThat(second.awaitExit(EXIT_TIMEOUT))
          .as("exit code; log:\n%s", second.logTail(30))
          .isZero();
    }
    assertThat(appliedMigrations()).isEqualTo(applied);
  }

  @Test
  void migrationsJarExitsNonZeroWithTheReasonWhenTheDatabaseIsMissing() {
    Map<String, String> environment = new HashMap<>(empty.datasourceEnvironment());
    environment.put("DATASOURCES_DEFAULT_URL", empty.jdbcUrl() + "_does_not_exist");

    try (JarProcess migrations =
        JarProcess.startJar(
            "migrations-missing-db", Repository.current().migrationsJar(), environment)) {
      assertThat(migrations.awaitExit(EXIT_TIMEOUT)).isNotZero();
      assertThat(migrations.logText())
          .containsIgnoringCase("migrations failed")
          .contains("does not exist");
    }
  }

  @Test
  void functionsRefuseToStartOnAnUnmigratedDatabaseAndNameTheMigrations() {
    Map<String, String> environment = serviceEnvironment();
    environment.put("AUTH_JWT_SECRET", TestTokens.newSecret());

    try (JarProcess functions =
        JarProcess.startJar(
            "functions-unmigrated", Repository.current().functionsJar(), environment)) {
      assertThat(functions.awaitExit(EXIT_TIMEOUT)).as("exit code").isNotZero();
      assertThat(functions.logText()).contains("migrations.jar");
    }
  }

  @Test
  void relayRefusesToStartOnAnUnmigratedDatabaseAndNamesTheMigrations() {
    Map<String, String> environment = serviceEnvironment();
    environment.put("EXECUTOR_ID", "relay-unmigrated");
    environment.put("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    environment.put("OPENAI_API_KEY", "unused");

    try (JarProcess relay =
        JarProcess.startJar("relay-unmigrated", Repository.current().relayJar(), environment)) {
      assertThat(relay.awaitExit(EXIT_TIMEOUT)).as("exit code").isNotZero();
      assertThat(relay.logText()).contains("migrations.jar");
    }
  }

  private Map<String, String> serviceEnvironment() {
    Map<String, String> environment = new HashMap<>(empty.datasourceEnvironment());
    environment.putAll(TestReplyStream.environment(replies));
    environment.put("NATS_URL", TestNats.url());
    environment.put("MICRONAUT_SERVER_PORT", String.valueOf(FreePort.next()));
    return environment;
  }

  private int appliedMigrations() throws Exception {
    try (Connection connection = empty.connect();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("select count(*) from flyway_schema_history where success")) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
