package dev.threadline.functions.thread;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.RunNotifications;
import dev.threadline.protocol.ThreadId;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import java.net.http.HttpResponse;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

@MicronautTest
class ThreadDeletionTest extends ApiTestBase {

  private static final String OWNER = "dora";
  private final String token = TestTokens.forOwner(OWNER);

  private void markRunning(UUID run) {
    execute(
        "update runs set status = 'running', executor_id = 'x', epoch = 1,"
            + " lease_expires_at = now() + interval '1 minute' where id = '"
            + run
            + "'");
  }

  private long rowsOf(String thread) {
    return queryLong(
        "select (select count(*) from threads where id = '"
            + thread
            + "') + (select count(*) from runs where thread_id = '"
            + thread
            + "') + (select count(*) from messages where thread_id = '"
            + thread
            + "')");
  }

  @Test
  void deletingAThreadRemovesEverythingStopsItsRunPurgesItsSubjectAndAnnouncesIt()
      throws Exception {
    String thread = createThread(OWNER);
    UUID running = submit(OWNER, thread, "first");
    submit(OWNER, thread, "queued behind it");
    markRunning(running);
    ThreadId id = new ThreadId(thread);
    try (ReplyPublisher replies =
            new ReplyPublisher(names, new ReplyEventCodec(ObjectMapper.getDefault()));
        Connection nats = Nats.connect(natsUrl());
        java.sql.Connection listener = database.connect()) {
      replies.publish(id, new ReplyEvent.Reset(running, 1));
      Subscription deleted = nats.subscribe(names.threadDeletedSubject(id));
      nats.flush(Duration.ofSeconds(2));
      try (Statement listen = listener.createStatement()) {
        listen.execute("listen " + RunNotifications.CANCEL_REQUESTED);
      }

      HttpResponse<String> response = api.delete("/v1/threads/" + thread, token);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
      assertThat(rowsOf(thread)).isZero();
      PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(5000);
      assertThat(notifications)
          .isNotNull()
          .anySatisfy(n -> assertThat(n.getParameter()).isEqualTo(running.toString()));
      Message announced = deleted.nextMessage(Duration.ofSeconds(5));
      assertThat(announced).as("the deleted subject carries the announcement").isNotNull();
      assertThatThrownBy(
              () -> replies.management().getLastMessage(names.stream(), names.subjectFor(id)))
          .as("the reply subject is empty")
          .isInstanceOf(JetStreamApiException.class);
    }
    assertProblem(api.get("/v1/threads/" + thread, token), 404, null);
    assertProblem(api.delete("/v1/threads/" + thread, token), 404, null);
  }

  @Test
  void anotherOwnerGets404AndDeletesNothing() {
    String thread = createThread(OWNER);
    submit(OWNER, thread, "mine");
    Map<String, Long> before = rowCounts();

    assertProblem(api.delete("/v1/threads/" + thread, TestTokens.forOwner("eve")), 404, null);

    assertThat(rowCounts()).isEqualTo(before);
    assertThat(api.get("/v1/threads/" + thread, token).statusCode()).isEqualTo(200);
  }

  @Test
  void deletingAMissingThreadIs404AndABadIdIs400() {
    assertProblem(api.delete("/v1/threads/" + uniqueId("never"), token), 404, null);
    assertProblem(api.delete("/v1/threads/bad.id", token), 400, "threadId");
    assertProblem(api.delete("/v1/threads/" + uniqueId("x"), null), 401, null);
  }

  @Test
  void aCompletedThreadWithItsAnswerIsDeletedWhole() {
    String thread = createThread(OWNER);
    UUID run = submit(OWNER, thread, "question");
    execute(
        "update runs set status = 'completed', finished_at = now() where id = '"
            + run
            + "';"
            + " insert into messages (id, thread_id, role, content, run_id, created_at)"
            + " values (gen_random_uuid(), '"
            + thread
            + "', 'assistant', 'answer', '"
            + run
            + "', now())");
    String other = createThread(OWNER);
    submit(OWNER, other, "keep me");

    assertThat(api.delete("/v1/threads/" + thread, token).statusCode()).isEqualTo(204);

    assertThat(rowsOf(thread)).isZero();
    assertThat(rowsOf(other)).isEqualTo(3);
  }

  @Test
  void aSubmitAfterTheDeleteIs404AndTheIdCanBeCreatedAfresh() {
    String thread = createThread(OWNER);
    submit(OWNER, thread, "before");
    assertThat(api.delete("/v1/threads/" + thread, token).statusCode()).isEqualTo(204);

    assertProblem(
        api.postJson("/v1/threads/" + thread + "/messages", token, "{\"content\":\"after\"}"),
        404,
        null);
    HttpResponse<String> again = api.postJson("/v1/threads", token, "{\"id\":\"" + thread + "\"}");
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(read(again.body()).get("messages").size()).isZero();
  }
}
