package dev.threadline.functions.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A private database and reply stream per test class, and helpers that speak the HTTP API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ApiTestBase implements TestPropertyProvider {

  protected final TestDatabase database = TestDatabase.createMigrated();
  protected final ReplyStreamNames names = TestReplyStream.unique();

  @Inject protected EmbeddedServer server;
  @Inject protected JsonMapper json;

  protected HttpApi api;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(database.datasourceProperties());
    properties.putAll(TestReplyStream.properties(names));
    properties.put("auth.jwt.secret", TestTokens.SECRET);
    properties.put("threadline.stream.ping-interval", "300ms");
    properties.put("threadline.models", "gpt-4o-mini,gpt-4.1-nano");
    // runs stay queued here (no relay): tests that queue many for one owner must not hit the quota
    properties.put("threadline.max-active-runs-per-owner", "10000");
    return properties;
  }

  @BeforeAll
  void startApi() {
    api = new HttpApi(server.getURI());
  }

  @AfterAll
  void dropDatabaseAndStream() {
    database.close();
    try (io.nats.client.Connection nats = io.nats.client.Nats.connect(natsUrl())) {
      nats.jetStreamManagement().deleteStream(names.stream());
    } catch (Exception e) {
      // never created (no test touched NATS), or the broker is a private one already gone
    }
  }

  /** The NATS server the application under test uses. */
  protected String natsUrl() {
    return "nats://127.0.0.1:4222";
  }

  protected static String uniqueId(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  protected String createThread(String owner) {
    String id = uniqueId("t");
    HttpResponse<String> response =
        api.postJson("/v1/threads", TestTokens.forOwner(owner), "{\"id\":\"" + id + "\"}");
    assertThat(response.statusCode()).isEqualTo(201);
    return id;
  }

  protected UUID submit(String owner, String threadId, String content) {
    HttpResponse<String> response =
        api.postJson(
            "/v1/threads/" + threadId + "/messages",
            TestTokens.forOwner(owner),
            "{\"content\":" + quote(content) + "}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return UUID.fromString(read(response.body()).get("runId").getStringValue());
  }

  protected JsonNode read(String body) {
    try {
      return json.readValue(body, JsonNode.class);
    } catch (Exception e) {
      throw new IllegalStateException("not JSON: " + body, e);
    }
  }

  protected String quote(String text) {
    try {
      return new String(json.writeValueAsBytes(text), java.nio.charset.StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows in threads, runs and messages: what "nothing written" is checked against. */
  protected Map<String, Long> rowCounts() {
    Map<String, Long> counts = new HashMap<>();
    for (String table : new String[] {"threads", "runs", "messages"}) {
      counts.put(table, queryLong("select count(*) from " + table));
    }
    return counts;
  }

  protected long queryLong(String sql) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(sql, e);
    }
  }

  protected String queryString(String sql) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      return row.next() ? row.getString(1) : null;
    } catch (Exception e) {
      throw new IllegalStateException(sql, e);
    }
  }

  protected void execute(String sql) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (Exception e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Asserts a problem+json body with this status whose detail names {@code field}. */
  protected void assertProblem(HttpResponse<String> response, int status, String field) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = read(response.body());
    assertThat(problem.get("type").getStringValue()).isNotBlank();
    assertThat(problem.get("title").getStringValue()).isNotBlank();
    assertThat(problem.get("status").getIntValue()).isEqualTo(status);
    if (field != null) {
      assertThat(problem.get("detail").getStringValue()).contains(field);
    }
  }
}
