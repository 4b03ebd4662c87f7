package dev.threadline.functions.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.HttpApi;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A 503 tells the client that a dependency is down and nothing else: no NATS_URL (it may carry
 * credentials), no JDBC URL, no exception or driver text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnavailableDetailTest {

  private static final String NATS_PASSWORD = "s3cr3t-nats-pw";
  private static final String DB_PASSWORD = "s3cr3t-db-pw";

  private final TestDatabase database = TestDatabase.createMigrated();

  @AfterAll
  void drop() {
    database.close();
  }

  /**
   * With NATS down a stream still opens at once (it waits for the bus with pings, as a browser's
   * EventSource never retries a 503), and nothing it sends names the URL or its credentials.
   */
  @Test
  void natsDownOpensTheStreamAtOnceAndItNeverNamesTheUrlOrItsCredentials() throws Exception {
    int closed = closedPort();
    Map<String, Object> properties = properties();
    properties.put("nats.url", "nats://natsuser:" + NATS_PASSWORD + "@127.0.0.1:" + closed);
    try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties)) {
      HttpApi api = new HttpApi(server.getURI());
      String token = TestTokens.forOwner("uma");
      String thread = "u-" + UUID.randomUUID();
      assertThat(api.postJson("/v1/threads", token, "{\"id\":\"" + thread + "\"}").statusCode())
          .isEqualTo(201);

      HttpResponse<java.util.stream.Stream<String>> response =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          server.getURI().resolve("/v1/threads/" + thread + "/stream"))
                      .header("Authorization", "Bearer " + token)
                      .timeout(java.time.Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofLines());
      try (java.util.stream.Stream<String> lines = response.body()) {
        assertThat(response.statusCode()).isEqualTo(200);
        String first = lines.findFirst().orElseThrow();
        assertThat(first).startsWith(":").doesNotContain(NATS_PASSWORD, "nats://", "natsuser");
      }
    }
  }

  @Test
  void postgresDownIsA503WithAGenericDetailThatNeverNamesTheJdbcUrl() throws Exception {
    int closed = closedPort();
    Map<String, Object> properties = properties();
    properties.put(
        "datasources.default.url",
        "jdbc:postgresql://127.0.0.1:" + closed + "/threadline?password=" + DB_PASSWORD);
    properties.put("datasources.default.connection-timeout", "500");
    properties.put("datasources.default.initialization-fail-timeout", "-1");
    // the schema check would stop the start: the database is down on purpose
    properties.put("threadline.schema.check", "false");
    try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties)) {
      HttpResponse<String> response =
          new HttpApi(server.getURI())
              .postJson("/v1/threads", TestTokens.forOwner("uma"), "{\"title\":\"x\"}");

      assertGeneric503(response, DB_PASSWORD, "jdbc:", "postgresql", ":" + closed);
    }
  }

  private static void assertGeneric503(HttpResponse<String> response, String... secrets) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(response.body())
        .contains(ServiceUnavailableException.DETAIL)
        .doesNotContain(secrets)
        .doesNotContainIgnoringCase("exception");
  }

  private Map<String, Object> properties() {
    Map<String, Object> properties = new HashMap<>(database.datasourceProperties());
    properties.putAll(TestReplyStream.properties(TestReplyStream.unique()));
    properties.put("auth.jwt.secret", TestTokens.SECRET);
    properties.put("micronaut.server.port", "-1");
    properties.put("threadline.management-port", "-1");
    return properties;
  }

  /** A port nothing listens on (bound, then released). */
  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
