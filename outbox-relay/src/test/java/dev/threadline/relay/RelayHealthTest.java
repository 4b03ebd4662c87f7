package dev.threadline.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.nats.client.Nats;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayHealthTest {

  @Test
  void healthIsUpWithTheDatabaseNatsAndTheRelaysOwnState() throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    try (TestDatabase database = TestDatabase.createMigrated();
        ApplicationContext relay =
            TestRelay.start(
                TestRelay.properties(database, names, "relay-health", Map.of()),
                new ScriptedCompletionClient())) {
      EmbeddedServer server = relay.getBean(EmbeddedServer.class).start();

      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(server.getURI().resolve("/health")).build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body())
          .contains("\"nats\"", "\"relay\"", "\"livenessLockHeld\":true", "relay-health")
          .containsIgnoringCase("jdbc");
      server.stop();
    } finally {
      try (var nats = Nats.connect("nats://127.0.0.1:4222")) {
        nats.jetStreamManagement().deleteStream(names.stream());
      }
    }
  }
}
