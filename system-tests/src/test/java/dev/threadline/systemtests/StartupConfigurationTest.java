package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * README, Configuration: a missing setting stops the process with a message that names the
 * variable.
 */
@Tag("processes")
@Timeout(180)
class StartupConfigurationTest {

  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

  private static TestDatabase database;
  private static final ReplyStreamNames REPLIES = TestReplyStream.unique();

  @BeforeAll
  static void createDatabase() {
    database = TestDatabase.createMigrated();
  }

  @AfterAll
  static void dropDatabase() {
    if (database != null) {
      database.close();
    }
    TestNats.deleteStream(REPLIES);
  }

  @Test
  void functionsRefuseToStartWithoutAuthJwtSecret() {
    try (JarProcess functions =
        JarProcess.startJar(
            "functions-no-secret", Repository.current().functionsJar(), environment())) {
      assertThat(functions.awaitExit(EXIT_TIMEOUT)).as("exit code").isNotZero();
      assertThat(functions.logText()).contains("AUTH_JWT_SECRET");
    }
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "THREADLINE_MODELS|gpt-4o-mini,,gpt-4.1",
        "THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER|lots",
        "THREADLINE_HEADER_TIMEOUT|forever",
        "THREADLINE_MANAGEMENT_PORT|metrics",
        "AUTH_JWT_ISSUER|' '"
      })
  void functionsRefuseABadLimitOrAuthSettingNamingTheVariable(String variable, String value) {
    Map<String, String> environment = environment();
    environment.put("AUTH_JWT_SECRET", TestTokens.newSecret());
    environment.put("THREADLINE_MANAGEMENT_PORT", String.valueOf(FreePort.next()));
    environment.put(variable, value);
    try (JarProcess functions =
        JarProcess.startJar(
            "functions-bad-" + variable, Repository.current().functionsJar(), environment)) {
      assertThat(functions.awaitExit(EXIT_TIMEOUT)).as("exit code").isNotZero();
      assertThat(functions.logText()).contains(variable);
    }
  }

  @Test
  void theRelayRefusesToStartInProductionWithoutAnExecutorId() {
    Map<String, String> environment = environment();
    environment.put("MICRONAUT_ENVIRONMENTS", "prod");
    environment.put("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    environment.put("OPENAI_API_KEY", "unused");

    try (JarProcess relay =
        JarProcess.startJar("relay-prod-no-id", Repository.current().relayJar(), environment)) {
      assertThat(relay.awaitExit(EXIT_TIMEOUT)).as("exit code").isNotZero();
      assertThat(relay.logText()).contains("EXECUTOR_ID");
    }
  }

  @Test
  void outsideProductionTheRelayStartsWithoutAnExecutorIdAndWarns() {
    Map<String, String> environment = environment();
    environment.put("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    environment.put("OPENAI_API_KEY", "unused");
    int port = Integer.parseInt(environment.get("MICRONAUT_SERVER_PORT"));

    try (JarProcess relay =
        JarProcess.startJar("relay-dev-no-id", Repository.current().relayJar(), environment)) {
      relay.awaitHealthy(port, EXIT_TIMEOUT);
      assertThat(relay.logText()).containsPattern("WARN.*EXECUTOR_ID");
    }
  }

  @Test
  void theRelayRefusesToStartWithABadModelCallBoundNamingTheVariable() {
    for (Map.Entry<String, String> bad :
        Map.of(
                "THREADLINE_RUN_TIMEOUT", "soon",
                "THREADLINE_HISTORY_MAX_CHARS", "0",
                "OPENAI_MAX_TOKENS", "lots")
            .entrySet()) {
      Map<String, String> environment = environment();
      environment.put("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
      environment.put("OPENAI_API_KEY", "unused");
      environment.put(bad.getKey(), bad.getValue());

      try (JarProcess relay =
          JarProcess.startJar(
              "relay-bad-" + bad.getKey().toLowerCase(java.util.Locale.ROOT),
              Repository.current().relayJar(),
              environment)) {
        assertThat(relay.awaitExit(EXIT_TIMEOUT)).as(bad.getKey() + ": exit code").isNotZero();
        assertThat(relay.logText()).contains(bad.getKey());
      }
    }
  }

  private static Map<String, String> environment() {
    Map<String, String> environment = new HashMap<>(database.datasourceEnvironment());
    environment.putAll(TestReplyStream.environment(REPLIES));
    environment.put("NATS_URL", TestNats.url());
    environment.put("MICRONAUT_SERVER_PORT", String.valueOf(FreePort.next()));
    return environment;
  }
}
