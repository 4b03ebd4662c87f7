package dev.threadline.functions.store;

import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcThreadStoreTest extends ThreadStoreContract {

  private final TestDatabase database = TestDatabase.createMigrated();
  private final ApplicationContext context = StoreContext.start(database);
  private final ThreadStore store = context.getBean(JdbcThreadStore.class);

  @AfterAll
  void drop() {
    context.close();
    database.close();
  }

  @Override
  protected ThreadStore store() {
    return store;
  }

  @Override
  protected void markRunning(UUID runId) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "update runs set status = 'running', executor_id = 'e', epoch = 1,"
              + " lease_expires_at = now() + interval '1 minute' where id = '"
              + runId
              + "'");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected void markRanAndFailed(UUID runId) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "update runs set status = 'failed', executor_id = 'e', epoch = 1, started_at = now(),"
              + " finished_at = now() where id = '"
              + runId
              + "'");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected void markReplyFrom(UUID runId, long sequence) {
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "update runs set reply_from = " + sequence + " where id = '" + runId + "'");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
