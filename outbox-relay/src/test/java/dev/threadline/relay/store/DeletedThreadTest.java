package dev.threadline.relay.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.relay.support.RunFixtures;
import dev.threadline.relay.support.SettableClock;
import dev.threadline.testsupport.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Functions may delete a thread while a relay works one of its runs (DELETE /v1/threads/{id}):
 * every fenced write of the relay must then find nothing, as when it lost the run, and never throw.
 */
class DeletedThreadTest {

  private static final Duration LEASE = Duration.ofSeconds(10);
  private static final String ME = "executor-me";

  private static TestDatabase database;
  private static RunFixtures fixtures;
  private static JdbcRunStore store;
  private final SettableClock clock = SettableClock.startingNow();

  @BeforeAll
  static void createDatabase() {
    database = TestDatabase.createMigrated();
    fixtures = new RunFixtures(database);
    store = fixtures.store();
  }

  @AfterAll
  static void dropDatabase() {
    fixtures.close();
    database.close();
  }

  /** What functions' delete does, in its one transaction. */
  private void deleteThread(String thread) {
    fixtures.execute("delete from messages where thread_id = ?", thread);
    fixtures.execute("delete from runs where thread_id = ?", thread);
    fixtures.execute("delete from threads where id = ?", thread);
  }

  @Test
  void aRunWhoseThreadWasDeletedCannotBeRenewedRestartedCompletedFailedOrCancelled() {
    fixtures.truncate();
    String thread = fixtures.thread();
    fixtures.queueRun(thread, "hello");
    ClaimedRun run = store.claimNext(ME, clock.instant(), LEASE).orElseThrow();

    deleteThread(thread);

    assertThat(store.renewLeases(ME, List.of(run), clock.instant(), LEASE)).isEmpty();
    assertThat(store.history(run)).isEmpty();
    assertThat(store.restart(run, clock.instant(), LEASE)).isEmpty();
    assertThat(store.complete(run, "answer", "stop", 1, clock.instant())).isEmpty();
    assertThat(store.fail(run, "broke", clock.instant())).isFalse();
    assertThat(store.cancel(run, clock.instant())).isFalse();
    assertThat(
            store.takeOverOrphans(
                "executor-other", clock.instant().plus(LEASE.multipliedBy(2)), LEASE, 10))
        .isEmpty();
    assertThat(store.claimNext(ME, clock.instant(), LEASE)).isEmpty();
    assertThat(fixtures.assistantMessages(run.runId())).isEmpty();
  }
}
