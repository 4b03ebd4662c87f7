package dev.threadline.relay.store;

import dev.threadline.relay.support.RunFixtures;
import dev.threadline.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class JdbcRunStoreTest extends RunStoreContract {

  private static TestDatabase database;
  private static RunFixtures fixtures;
  private static JdbcRunStore store;

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

  @Override
  RunStore store() {
    return store;
  }

  @Override
  RunFixtures fixtures() {
    return fixtures;
  }
}
