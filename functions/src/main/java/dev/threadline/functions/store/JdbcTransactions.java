package dev.threadline.functions.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;

/**
 * Explicit JDBC transactions for {@link JdbcThreadStore}, and the one place SQL failures become the
 * store's exceptions: no connection → {@link StoreUnavailableException} (503), anything else →
 * {@link ThreadStoreException} naming what was being done.
 */
final class JdbcTransactions {

  private final DataSource dataSource;

  JdbcTransactions(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * One statement on its own (autocommit, no session settings changed): the cheapest read, for what
   * is asked often (a followed run's state, every few seconds per silent stream).
   */
  <T> T singleStatement(String what, SqlWork<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw translate(what, e);
    }
  }

  <T> T inTransaction(String what, boolean readOnly, SqlWork<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      connection.setReadOnly(readOnly);
      if (readOnly) {
        // the thread, its messages and its active run as of one snapshot
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      }
      try {
        T result = work.run(connection);
        if (!connection.isClosed() && !connection.getAutoCommit()) {
          // reads and no-op paths end here; a commit of nothing is harmless
          connection.commit();
        }
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setReadOnly(false);
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw translate(what, e);
    }
  }

  private static RuntimeException translate(String what, SQLException e) {
    if (e instanceof SQLTransientConnectionException
        || (e.getSQLState() != null && e.getSQLState().startsWith("08"))) {
      return new StoreUnavailableException("database unavailable", e);
    }
    return new ThreadStoreException(what + ": " + e.getMessage(), e);
  }

  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }
}
