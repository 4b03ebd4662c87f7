package dev.threadline.relay.recovery;

import static dev.threadline.relay.support.ScriptedCompletionClient.deltas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.threadline.protocol.ReplyStreamNames;
import dev.threadline.relay.RelayApplication;
import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.ScriptedCompletionClient;
import dev.threadline.relay.support.TestRelay;
import dev.threadline.testsupport.TestDatabase;
import dev.threadline.testsupport.TestReplyStream;
import io.micronaut.context.ApplicationContext;
import io.nats.client.Nats;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Contract 6, SIGKILL included: a relay process killed mid-run leaves its run to a survivor, which
 * finishes it within 2 s at a higher epoch. The doomed relay is a real child JVM whose model (a
 * local HTTP server that never answers) keeps the run in flight.
 */
class KilledRelayProcessTest {

  @Test
  void aSurvivorFinishesTheRunOfASigkilledRelayWithinTwoSeconds() throws Exception {
    ReplyStreamNames names = TestReplyStream.unique();
    ScriptedCompletionClient model = new ScriptedCompletionClient();
    CountDownLatch released = new CountDownLatch(1);
    HttpServer silentModel = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    silentModel.createContext(
        "/",
        exchange -> {
          try {
            released.await(60, TimeUnit.SECONDS); // never answers while the test runs
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    silentModel.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    silentModel.start();
    Process doomed = null;
    try (TestDatabase database = TestDatabase.createMigrated();
        RunFixtures fixtures = new RunFixtures(database)) {
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx256m",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  RelayApplication.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(processLog().toFile());
      builder.environment().putAll(database.datasourceEnvironment());
      builder.environment().putAll(TestReplyStream.environment(names));
      builder.environment().put("EXECUTOR_ID", "relay-doomed");
      builder.environment().put("MICRONAUT_SERVER_PORT", "-1");
      builder.environment().put("NATS_URL", "nats://127.0.0.1:4222");
      builder
          .environment()
          .put("OPENAI_BASE_URL", "http://127.0.0.1:" + silentModel.getAddress().getPort() + "/v1");
      builder.environment().put("OPENAI_API_KEY", "test-key");
      doomed = builder.start();

      String thread = fixtures.thread();
      await("the child relay registers")
          .atMost(Duration.ofSeconds(60))
          .until(() -> countExecutors(fixtures, "relay-doomed") == 1);
      UUID runId = fixtures.queueRun(thread, "doomed question", true, true);
      await("the child relay claims the run")
          .atMost(Duration.ofSeconds(10))
          .until(() -> "relay-doomed".equals(fixtures.run(runId).executorId()));
      model.script("doomed question", deltas("survived"));

      try (ApplicationContext survivor =
          TestRelay.start(
              TestRelay.properties(database, names, "relay-survivor", Map.of()), model)) {
        long killedAt = System.nanoTime();
        doomed.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        doomed.waitFor(10, TimeUnit.SECONDS);

        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> fixtures.run(runId).status().equals("completed"));
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt))
            .isLessThan(Duration.ofSeconds(2));
        assertThat(fixtures.run(runId).executorId()).isEqualTo("relay-survivor");
        assertThat(fixtures.run(runId).epoch()).isEqualTo(2);
        assertThat(fixtures.assistantMessages(runId)).isEqualTo(List.of("survived"));
      }
    } finally {
      if (doomed != null) {
        doomed.destroyForcibly();
      }
      released.countDown();
      silentModel.stop(0);
      try (var nats = Nats.connect("nats://127.0.0.1:4222")) {
        nats.jetStreamManagement().deleteStream(names.stream());
      }
    }
  }

  private static int countExecutors(RunFixtures fixtures, String id) {
    try (var connection = fixtures.dataSource().getConnection();
        var select = connection.prepareStatement("select count(*) from executors where id = ?")) {
      select.setString(1, id);
      try (var row = select.executeQuery()) {
        row.next();
        return row.getInt(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Beside test-classes, in whichever build directory this build uses (-Dbuild.dir.name). */
  private static Path processLog() throws URISyntaxException {
    Path testClasses =
        Path.of(
            KilledRelayProcessTest.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
    return testClasses.resolveSibling("killed-relay-process.log");
  }
}
