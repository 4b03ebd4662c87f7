package dev.threadline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The results table and what goes around it, as Markdown and as the printed table. */
final class Report {

  private final List<Row> rows = new ArrayList<>();
  private final List<String> verdicts = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> causes = new ArrayList<>();

  void add(Row row) {
    rows.add(row);
  }

  void verdict(String metric, String verdict) {
    verdicts.add("- " + metric + ": " + verdict);
  }

  /** Where a row's time went, measured: for the section on missed targets. */
  void cause(String cause) {
    causes.add("- " + cause);
  }

  void note(String note) {
    notes.add("- " + note);
  }

  String table() {
    StringBuilder table = new StringBuilder();
    table.append("| metric | p50 | p99 | max | target | floor | baseline |\n");
    table.append("|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      table
          .append("| ")
          .append(
              String.join(
                  " | ",
                  row.metric(),
                  row.p50(),
                  row.p99(),
                  row.max(),
                  row.target(),
                  row.floor(),
                  row.baseline()))
          .append(" |\n");
    }
    return table.toString();
  }

  /** The verdicts, one a line. */
  String verdicts() {
    return String.join("\n", verdicts) + "\n\n" + String.join("\n", causes);
  }

  void write(Path file, String machine, List<String> charts, String elapsed) throws IOException {
    StringBuilder text = new StringBuilder();
    text.append("# Threadline benchmark results\n\n");
    text.append("Written by `./local-stack/bench` (")
        .append(elapsed)
        .append("). Latencies in milliseconds;")
        .append(
            " a throughput row has its figure in the p50 column. Floor: the same hop with nothing"
                + " of ours")
        .append(
            " in it. Baseline: the design we compare against. Every row was measured in this one"
                + " run,")
        .append(
            " so the ratios hold on a noisy machine even where the absolute figures do not.\n\n");
    text.append("## Machine\n\n").append(machine).append('\n');
    text.append("## Results\n\n").append(table()).append('\n');
    text.append("## Against the targets\n\n").append(String.join("\n", verdicts)).append("\n\n");
    if (!causes.isEmpty()) {
      text.append("## Where the stream rows' time goes\n\n")
          .append(String.join("\n", causes))
          .append("\n\n");
    }
    text.append("## How each figure is taken\n\n").append(String.join("\n", notes)).append("\n\n");
    text.append("## Charts\n\n");
    for (String chart : charts) {
      text.append("![").append(chart).append("](").append(chart).append(")\n\n");
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
  }
}
