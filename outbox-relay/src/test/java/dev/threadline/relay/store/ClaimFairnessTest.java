package dev.threadline.relay.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.relay.support.RunFixtures;
import dev.threadline.testsupport.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A thread with thousands of queued runs behind its running one must not slow everyone else's
 * claim. Timing on a shared machine is noise, so this counts the work instead: the buffers the
 * claim statement touches (EXPLAIN ANALYZE BUFFERS), which stay near those of an empty queue.
 * Timings measured with pgbench are in the README (Claim).
 */
class ClaimFairnessTest {

  private static final Pattern SHARED_HIT = Pattern.compile("\"Shared Hit Blocks\": (\\d+)");

  private static TestDatabase database;
  private static RunFixtures fixtures;

  @BeforeAll
  static void busyDatabase() {
    database = TestDatabase.createMigrated();
    fixtures = new RunFixtures(database);
    // 300 threads at work (one running run each) and 200 waiting with one queued run each
    fixtures.execute(
        "insert into threads select 'busy-' || g, 'owner', null, now() from generate_series(1, 500) g");
    fixtures.execute(
        "insert into runs (id, thread_id, status, model, created_at, executor_id,"
            + " lease_expires_at, epoch) select gen_random_uuid(), 'busy-' || g, 'running', 'm',"
            + " now(), 'relay-x', now() + interval '1 hour', 1 from generate_series(1, 300) g");
  }

  @AfterAll
  static void drop() {
    fixtures.close();
    database.close();
  }

  /** Shared buffers the claim statement touches now, rolled back so the queue stays as it is. */
  private static long claimBuffers() {
    try (Connection connection = fixtures.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement explain =
          connection.prepareStatement(
              "explain (analyze, buffers, format json) "
                  // the repository's named parameters, in order: executorId, leaseExpiresAt, now
                  + RunSql.CLAIM_NEXT.replaceAll("(?<!:):[A-Za-z]+", "?"))) {
        explain.setString(1, "relay-bench");
        explain.setObject(2, OffsetDateTime.now().plusSeconds(10));
        explain.setObject(3, OffsetDateTime.now());
        try (ResultSet plan = explain.executeQuery()) {
          plan.next();
          Matcher hits = SHARED_HIT.matcher(plan.getString(1));
          assertThat(hits.find()).as("the plan reports buffers").isTrue();
          return Long.parseLong(hits.group(1));
        }
      } finally {
        connection.rollback();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void fiveThousandRunsQueuedBehindOneBusyThreadBarelyAddToEveryoneElsesClaim() {
    fixtures.execute("insert into threads values ('hot', 'owner', null, now())");
    fixtures.execute(
        "insert into runs (id, thread_id, status, model, created_at, executor_id,"
            + " lease_expires_at, epoch) values (gen_random_uuid(), 'hot', 'running', 'm', now(),"
            + " 'relay-x', now() + interval '1 hour', 1)");
    String waiting =
        "insert into runs (id, thread_id, status, model, created_at) select gen_random_uuid(),"
            + " 'busy-' || g, 'queued', 'm', now() from generate_series(301, 500) g";
    fixtures.execute(waiting);
    fixtures.execute("analyze runs");
    long withoutBacklog = claimBuffers();

    fixtures.execute("delete from runs where status = 'queued'");
    fixtures.execute(
        "insert into runs (id, thread_id, status, model, created_at) select gen_random_uuid(),"
            + " 'hot', 'queued', 'm', now() from generate_series(1, 5000)");
    fixtures.execute(waiting);
    fixtures.execute("analyze runs");
    long withBacklog = claimBuffers();

    // probing the running runs once per queued run touched about two buffers per run (10,000+)
    assertThat(withBacklog).isLessThan(withoutBacklog + 500);
  }
}
