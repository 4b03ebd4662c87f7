package dev.threadline.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TcpProxyTest {

  @Test
  void cutAllBreaksOpenConnectionsAndLaterOnesWorkAgain() throws SQLException {
    try (TcpProxy proxy = TcpProxy.to("127.0.0.1", 5432)) {
      String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres";
      try (Connection connection = DriverManager.getConnection(url, "postgres", "")) {
        assertThat(selectOne(connection)).isEqualTo(1);
        proxy.cutAll();
        assertThatThrownBy(() -> selectOne(connection)).isInstanceOf(SQLException.class);
      }
      try (Connection again = DriverManager.getConnection(url, "postgres", "")) {
        assertThat(selectOne(again)).isEqualTo(1);
      }
      assertThat(proxy.connectionsAccepted()).isEqualTo(2);
    }
  }

  @Test
  void refusedConnectionsFailUntilAcceptedAgain() throws SQLException {
    try (TcpProxy proxy = TcpProxy.to("127.0.0.1", 5432)) {
      String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?connectTimeout=2";
      proxy.refuse();
      assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", ""))
          .isInstanceOf(SQLException.class);
      proxy.accept();
      try (Connection connection = DriverManager.getConnection(url, "postgres", "")) {
        assertThat(selectOne(connection)).isEqualTo(1);
      }
    }
  }

  private static int selectOne(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select 1")) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
