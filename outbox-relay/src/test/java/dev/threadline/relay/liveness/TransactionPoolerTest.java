package dev.threadline.relay.liveness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.store.DirectConnections;
import dev.threadline.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The liveness lock needs a server session of its own. Behind a transaction pooler (PgBouncer's
 * transaction mode) consecutive statements of one client connection may run on different server
 * sessions; a connection that alternates between two real sessions plays that pooler here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionPoolerTest {

  private final TestDatabase database = TestDatabase.createMigrated();
  private final ApplicationContext context =
      ApplicationContext.builder()
          .properties(Map.copyOf(database.datasourceProperties()))
          .properties(Map.of("threadline.relay.background", "false"))
          .deduceEnvironment(false)
          .start();

  @AfterAll
  void close() {
    context.close();
    database.close();
  }

  private LivenessLock lock(DirectConnections connections, String executorId) {
    return new LivenessLock(
        connections,
        new ExecutorId(executorId),
        context.getBean(RelayConfig.class),
        context.getBean(RelayMetrics.class));
  }

  private DirectConnections direct() {
    return new DirectConnections(database.jdbcUrl(), database.username(), database.password());
  }

  /**
   * Each statement goes to the next of two server sessions, as a transaction pooler may send it.
   */
  private DirectConnections transactionPooled() {
    return new DirectConnections(database.jdbcUrl(), database.username(), database.password()) {
      @Override
      public Connection open(String purpose) throws SQLException {
        Connection[] sessions = {super.open(purpose), super.open(purpose)};
        AtomicInteger next = new AtomicInteger();
        return (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, arguments) -> {
                  Connection target = sessions[0];
                  if (method.getName().equals("prepareStatement")
                      || method.getName().equals("createStatement")) {
                    target = sessions[next.getAndIncrement() % 2];
                  } else if (method.getName().equals("close")) {
                    sessions[1].close();
                  }
                  try {
                    return method.invoke(target, arguments);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
      }
    };
  }

  private boolean freeForAnotherSession(String executorId) throws SQLException {
    try (Connection other = database.connect();
        PreparedStatement lock =
            other.prepareStatement("select pg_try_advisory_lock(hashtextextended(?, 0))")) {
      lock.setString(1, executorId);
      try (ResultSet row = lock.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    }
  }

  @Test
  void aRelayBehindATransactionPoolerRefusesToStartAndNamesTheDatasourceUrl() throws Exception {
    String executorId = "pooled-" + UUID.randomUUID();
    LivenessLock lock = lock(transactionPooled(), executorId);

    assertThatThrownBy(lock::acquire)
        .isInstanceOf(PooledLivenessSessionException.class)
        .hasMessageContaining("transaction-pooling proxy")
        .hasMessageContaining("DATASOURCES_DEFAULT_URL");
    assertThat(lock.held()).isFalse();
    assertThat(freeForAnotherSession(executorId))
        .as("the sessions it used are closed: the stray lock is gone with them")
        .isTrue();
  }

  @Test
  void aDirectSessionHoldsItsLivenessLockAsItsOwn() throws Exception {
    String executorId = "direct-" + UUID.randomUUID();
    try (LivenessLock lock = lock(direct(), executorId)) {
      lock.acquire();

      assertThat(lock.held()).isTrue();
      assertThat(lock.check()).isTrue();
      assertThat(freeForAnotherSession(executorId)).isFalse();
    }
  }
}
