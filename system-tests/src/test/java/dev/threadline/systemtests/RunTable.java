package dev.threadline.systemtests;

import dev.threadline.testsupport.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The stack's runs as PostgreSQL holds them, for what the API does not show across many runs at
 * once: epochs, attempts, owners, and how many assistant messages each run produced.
 */
final class RunTable {

  /** One row of {@code runs}, with the number of assistant messages that name it. */
  record RunRow(
      UUID id,
      String threadId,
      long seq,
      String status,
      long epoch,
      int attempts,
      String executorId,
      Instant finishedAt,
      int assistantMessages,
      String reply) {

    boolean ended() {
      return !status.equals("queued") && !status.equals("running");
    }
  }

  private static final String ALL =
      """
      select r.id, r.thread_id, r.seq, r.status, r.epoch, r.attempts, r.executor_id, r.finished_at,
             (select count(*) from messages m where m.run_id = r.id and m.role = 'assistant') as replies,
             (select min(m.content) from messages m where m.run_id = r.id and m.role = 'assistant') as reply
        from runs r
       order by r.seq
      """;

  private final TestDatabase database;

  RunTable(TestDatabase database) {
    this.database = database;
  }

  List<RunRow> all() {
    try (Connection connection = database.connect();
        PreparedStatement select = connection.prepareStatement(ALL);
        ResultSet rows = select.executeQuery()) {
      List<RunRow> runs = new ArrayList<>();
      while (rows.next()) {
        OffsetDateTime finished = rows.getObject("finished_at", OffsetDateTime.class);
        runs.add(
            new RunRow(
                rows.getObject("id", UUID.class),
                rows.getString("thread_id"),
                rows.getLong("seq"),
                rows.getString("status"),
                rows.getLong("epoch"),
                rows.getInt("attempts"),
                rows.getString("executor_id"),
                finished == null ? null : finished.toInstant(),
                rows.getInt("replies"),
                rows.getString("reply")));
      }
      return runs;
    } catch (SQLException e) {
      throw new IllegalStateException("reading the runs of " + database.name(), e);
    }
  }

  Map<UUID, RunRow> byId() {
    return all().stream().collect(Collectors.toMap(RunRow::id, Function.identity()));
  }
}
