package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * DELETE /v1/threads/{id} while a relay streams the thread's reply, on the real processes: the
 * relay stops the run within a second (the cancel notification), publishes nothing more to the
 * purged subject, finds nothing to complete, and carries on with other threads.
 */
@Tag("processes")
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThreadDeletionTest {

  private static final Duration RUN = Duration.ofSeconds(60);

  private Stack stack;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  void startStack() {
    stack = Stack.builder().functions(1).relays(1).start();
  }

  @AfterAll
  void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void deletingAThreadWhoseReplyStreamsStopsTheRunWithinASecondAndLeavesNothing() {
    ApiClient api = stack.api(0, "deleter-" + UUID.randomUUID());
    String thread = api.createThread();
    String run =
        api.postMessage(thread, "a long reply [chunks=2000 delay=20ms]").path("runId").asText();
    await("the run streaming")
        .atMost(RUN)
        .until(
            () ->
                ReplySubjects.read(stack.natsUrl(), stack.replies())
                        .getOrDefault(ReplySubjects.subjectOf(stack.replies(), thread), List.of())
                        .size()
                    > 10);
    assertThat(inFlight()).isEqualTo(1);
    Instant deletedAt = Instant.now();

    assertThat(api.send("DELETE", "/v1/threads/" + thread, null, Map.of()).status()).isEqualTo(204);

    await("the relay stopped the run")
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> inFlight() == 0);
    System.out.printf(
        "DELETE to the run stopped: %d ms%n",
        Duration.between(deletedAt, Instant.now()).toMillis());
    assertThat(ReplySubjects.read(stack.natsUrl(), stack.replies()))
        .as("nothing published to the thread's subject after its purge")
        .doesNotContainKey(ReplySubjects.subjectOf(stack.replies(), thread));
    assertThat(rowsOf(thread)).as("threads, runs and messages rows of the thread").isZero();
    assertThat(RelayLogs.since(stack, deletedAt))
        .as("the relay log of the stop")
        .anySatisfy(line -> assertThat(line).contains(run))
        .noneSatisfy(line -> assertThat(line).contains("\"level\":\"ERROR\""));
    assertThat(api.send("GET", "/v1/threads/" + thread, null, Map.of()).status()).isEqualTo(404);

    String next = api.createThread();
    String nextRun =
        api.postMessage(next, "still working? [chunks=3 delay=10ms]").path("runId").asText();
    await("the relay runs the next thread")
        .atMost(RUN)
        .until(() -> "completed".equals(api.run(next, nextRun).path("status").asText()));
  }

  private double inFlight() {
    try {
      String body =
          http.send(
                  HttpRequest.newBuilder(URI.create(stack.relay(0).url() + "/prometheus")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return body.lines()
          .filter(line -> line.startsWith("threadline_runs_in_flight"))
          .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private long rowsOf(String thread) {
    try (Connection connection = stack.database().connect();
        Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "select (select count(*) from threads where id = '"
                    + thread
                    + "') + (select count(*) from runs where thread_id = '"
                    + thread
                    + "') + (select count(*) from messages where thread_id = '"
                    + thread
                    + "')")) {
      row.next();
      return row.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
