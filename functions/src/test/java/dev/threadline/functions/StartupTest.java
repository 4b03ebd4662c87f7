package dev.threadline.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.functions.support.HttpApi;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Start-up refusals and the health endpoint's view of its dependencies. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartupTest {

  private final TestDatabase database = TestDatabase.createMigrated();

  @AfterAll
  void drop() {
    database.close();
  }

  @Test
  void refusesToStartWithoutAuthJwtSecretNamingTheVariable() {
    Assumptions.assumeTrue(
        System.getenv("AUTH_JWT_SECRET") == null, "AUTH_JWT_SECRET is set in this environment");
    Map<String, Object> properties = properties();
    properties.remove("auth.jwt.secret");
    assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, properties).close())
        .hasStackTraceContaining("AUTH_JWT_SECRET is not set");
  }

  @Test
  void refusesToStartWithASecretShorterThan32Bytes() {
    Map<String, Object> properties = properties();
    properties.put("auth.jwt.secret", "only-31-bytes-long-secret-value");
    assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, properties).close())
        .hasStackTraceContaining("AUTH_JWT_SECRET is too short");
  }

  @Test
  void refusesToStartWithABlankIssuerOrAudienceNamingTheVariable() {
    for (String[] setting :
        new String[][] {
          {"auth.jwt.issuer", "AUTH_JWT_ISSUER"}, {"auth.jwt.audience", "AUTH_JWT_AUDIENCE"}
        }) {
      Map<String, Object> properties = properties();
      properties.put(setting[0], "  ");
      assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, properties).close())
          .hasStackTraceContaining(setting[1]);
    }
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "threadline.models|gpt-4o-mini,,gpt-4.1|THREADLINE_MODELS",
        "threadline.models|gpt-4o-mini, gpt-4.1|THREADLINE_MODELS",
        "threadline.models|gpt-4o-mini,|THREADLINE_MODELS",
        "threadline.models|gpt-4.1|OPENAI_MODEL",
        "threadline.max-active-runs-per-owner|many|THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER",
        "threadline.max-active-runs-per-owner|0|THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER",
        "threadline.header-timeout|soon|THREADLINE_HEADER_TIMEOUT",
        "threadline.header-timeout|10ms|THREADLINE_HEADER_TIMEOUT",
        "threadline.management-port|metrics|THREADLINE_MANAGEMENT_PORT",
        "threadline.management-port|70000|THREADLINE_MANAGEMENT_PORT"
      })
  void refusesToStartWithABadLimitOrModelListNamingTheVariable(
      String property, String value, String variable) {
    Map<String, Object> properties = properties();
    properties.put(property, value);
    assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, properties).close())
        .hasStackTraceContaining(variable);
  }

  @Test
  void healthIs503WhenNatsDoesNotAnswer() {
    Map<String, Object> properties = properties();
    properties.put("nats.url", "nats://127.0.0.1:1");
    try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties)) {
      HttpResponse<String> response = new HttpApi(server.getURI()).get("/health", null);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    }
  }

  @Test
  void readinessIs503ButLivenessIs200WhenNatsDoesNotAnswer() {
    Map<String, Object> properties = properties();
    properties.put("nats.url", "nats://127.0.0.1:1");
    try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties)) {
      HttpApi api = new HttpApi(server.getURI());
      assertThat(api.get("/health/readiness", null).statusCode()).isEqualTo(503);
      HttpResponse<String> liveness = api.get("/health/liveness", null);
      assertThat(liveness.statusCode()).as(liveness.body()).isEqualTo(200);
    }
  }

  private Map<String, Object> properties() {
    Map<String, Object> properties = new HashMap<>(database.datasourceProperties());
    properties.putAll(TestReplyStream.properties(TestReplyStream.unique()));
    properties.put("auth.jwt.secret", TestTokens.SECRET);
    properties.put("micronaut.server.port", "-1");
    properties.put("threadline.management-port", "-1");
    return properties;
  }
}
