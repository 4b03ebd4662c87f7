package dev.threadline.functions.store;

import io.micronaut.transaction.TransactionCallback;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.DefaultTransactionDefinition;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.function.Supplier;

/**
 * The store's transactions, through Micronaut's transaction manager, and the one place database
 * failures become the store's exceptions: no connection → {@link StoreUnavailableException} (503),
 * anything else from the database → {@link ThreadStoreException} naming what was being done.
 */
@Singleton
class StoreTransactions {

  /** The thread, its messages and its active run as of one snapshot. */
  private static final TransactionDefinition SNAPSHOT_READ = snapshotRead();

  private final TransactionOperations<Connection> transactions;

  StoreTransactions(TransactionOperations<Connection> transactions) {
    this.transactions = transactions;
  }

  /**
   * One statement on its own (autocommit, no session settings changed): the cheapest read, for what
   * is asked often (a followed run's state, every few seconds per silent stream).
   */
  <T> T singleStatement(String what, Supplier<T> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      throw translate(what, e);
    }
  }

  /** A read-only, repeatable-read transaction. */
  <T> T read(String what, TransactionCallback<Connection, T> work) {
    return execute(what, SNAPSHOT_READ, work);
  }

  /** A read-committed write transaction; {@code status.setRollbackOnly()} writes nothing. */
  <T> T write(String what, TransactionCallback<Connection, T> work) {
    return execute(what, TransactionDefinition.DEFAULT, work);
  }

  private <T> T execute(
      String what, TransactionDefinition definition, TransactionCallback<Connection, T> work) {
    try {
      return transactions.execute(definition, work);
    } catch (RuntimeException e) {
      throw translate(what, e);
    }
  }

  private static RuntimeException translate(String what, RuntimeException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql) {
        if (connectionLost(sql)) {
          return new StoreUnavailableException("database unavailable", sql);
        }
        return new ThreadStoreException(what + ": " + sql.getMessage(), sql);
      }
    }
    return e; // not the database's: a bug of ours, as it was
  }

  /**
   * No connection, a broken one (08...), or one the server ended (57P..: shut down, terminated by
   * an administrator). When the server ends a connection mid-transaction, the pool marks it broken
   * and the transaction manager's clean-up then fails on the closed connection without a state:
   * that error is the one that reaches us, so it counts too.
   */
  private static boolean connectionLost(SQLException sql) {
    String state = sql.getSQLState();
    return sql instanceof SQLTransientConnectionException
        || (state != null && (state.startsWith("08") || state.startsWith("57P")))
        || (state == null && "Connection is closed".equals(sql.getMessage()));
  }

  private static TransactionDefinition snapshotRead() {
    DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
    definition.setReadOnly(true);
    definition.setIsolationLevel(TransactionDefinition.Isolation.REPEATABLE_READ);
    return definition;
  }
}
