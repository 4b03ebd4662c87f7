package dev.threadline.functions.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.protocol.ThreadId;
import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Deleting a thread against the concurrent writers of the same thread, on PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcThreadDirectoryTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  private final TestDatabase database = TestDatabase.createMigrated();
  private final ApplicationContext context = StoreContext.start(database);
  private final JdbcThreadStore store = context.getBean(JdbcThreadStore.class);
  private final JdbcThreadDirectory directory = context.getBean(JdbcThreadDirectory.class);

  @AfterAll
  void drop() {
    context.close();
    database.close();
  }

  private ThreadId newThread(String owner) {
    ThreadId id = new ThreadId("d-" + UUID.randomUUID());
    store.createThread(id, owner, null, NOW);
    return id;
  }

  private UUID submit(ThreadId thread, String owner) {
    SubmitOutcome outcome =
        store.submit(
            new NewSubmission(
                thread, owner, UUID.randomUUID(), UUID.randomUUID(), "hi", "m", null, true),
            NOW);
    return ((SubmitOutcome.Accepted) outcome).runId();
  }

  /** Sessions of this database waiting for a lock: a statement blocked behind another. */
  private long waitingForLocks() {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        var row =
            statement.executeQuery(
                "select count(*) from pg_stat_activity where datname = current_database()"
                    + " and wait_event_type = 'Lock'")) {
      row.next();
      return row.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aSubmitThatWaitedForADeleteFindsNoThreadRatherThanFailing() throws Exception {
    ThreadId thread = newThread("ann");
    try (Connection deleting = database.connect()) {
      deleting.setAutoCommit(false);
      try (Statement delete = deleting.createStatement()) {
        // what the delete holds until its commit
        delete.execute("select 1 from threads where id = '" + thread.value() + "' for update");
      }
      CompletableFuture<SubmitOutcome> submit =
          CompletableFuture.supplyAsync(
              () ->
                  store.submit(
                      new NewSubmission(
                          thread,
                          "ann",
                          UUID.randomUUID(),
                          UUID.randomUUID(),
                          "racing",
                          "m",
                          null,
                          true),
                      NOW));
      await().atMost(Duration.ofSeconds(5)).until(() -> waitingForLocks() == 1);
      try (Statement delete = deleting.createStatement()) {
        delete.execute("delete from threads where id = '" + thread.value() + "'");
      }
      deleting.commit();

      assertThat(submit.get()).isInstanceOf(SubmitOutcome.NoSuchThread.class);
    }
  }

  @Test
  void aDeleteWaitsForARunCompletingMeanwhileAndRemovesItsAnswerToo() throws Exception {
    ThreadId thread = newThread("ann");
    UUID run = submit(thread, "ann");
    try (Connection relay = database.connect()) {
      relay.setAutoCommit(false);
      try (Statement complete = relay.createStatement()) {
        // the relay's completion: the run row, then the answer (whose trigger touches the thread)
        complete.execute(
            "update runs set status = 'completed', finished_at = now() where id = '" + run + "'");
        complete.execute(
            "insert into messages (id, thread_id, role, content, run_id, created_at) values ('"
                + UUID.randomUUID()
                + "', '"
                + thread.value()
                + "', 'assistant', 'answer', '"
                + run
                + "', now())");
      }
      CompletableFuture<Optional<List<UUID>>> delete =
          CompletableFuture.supplyAsync(() -> directory.deleteThread(thread, "ann"));
      await().atMost(Duration.ofSeconds(5)).until(() -> waitingForLocks() == 1);
      relay.commit();

      assertThat(delete.get()).hasValue(List.of());
    }
    assertThat(store.findThread(thread, "ann")).isEmpty();
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        var row =
            statement.executeQuery(
                "select count(*) from messages where thread_id = '" + thread.value() + "'")) {
      row.next();
      assertThat(row.getLong(1)).isZero();
    }
  }

  @Test
  void deletingReportsTheRunningRunsItStopped() {
    ThreadId thread = newThread("ann");
    UUID running = submit(thread, "ann");
    submit(thread, "ann");
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "update runs set status = 'running', executor_id = 'e', epoch = 1,"
              + " lease_expires_at = now() + interval '1 minute' where id = '"
              + running
              + "'");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }

    assertThat(directory.deleteThread(thread, "ben")).as("another owner's").isEmpty();
    assertThat(directory.deleteThread(thread, "ann")).hasValue(List.of(running));
    assertThat(directory.deleteThread(thread, "ann")).as("twice").isEmpty();
  }
}
