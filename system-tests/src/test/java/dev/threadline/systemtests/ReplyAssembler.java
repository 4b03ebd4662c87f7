package dev.threadline.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies a client's rules to the events it received, over one or more connections (a resume
 * continues the same assembler), and records every breach of the contract's stream rules:
 *
 * <ul>
 *   <li>event ids strictly increase: nothing twice, nothing out of order; only a terminal event may
 *       come without one (functions send it from the database when the bus stayed silent), possibly
 *       after an id-less {@code reset} and {@code chunk} that replace the run's text with the
 *       stored one (functions' README: "Completing the text");
 *   <li>{@code reset} starts a run's text afresh, with an epoch above any seen for the run;
 *   <li>{@code chunk} indices within an epoch are 0, 1, 2, … without gaps or repeats;
 *   <li>no chunk of a superseded epoch after the reset of a newer one, none before any reset;
 *   <li>nothing of a run after its terminal event.
 * </ul>
 */
final class ReplyAssembler {

  private static final java.util.Set<String> TERMINAL_TYPES =
      java.util.Set.of("done", "error", "cancelled");

  private final Map<String, RunView> runs = new LinkedHashMap<>();
  private int idlessTerminals;
  private int idlessTexts;
  private final List<String> violations = new ArrayList<>();
  private long lastId = -1;

  ReplyAssembler acceptAll(List<SseEvent> events) {
    events.forEach(this::accept);
    return this;
  }

  void accept(SseEvent event) {
    checkId(event);
    JsonNode data = event.json();
    String runId = data.path("runId").asText(null);
    if (runId == null) {
      violations.add(
          "event " + event.id() + " (" + event.type() + ") has no runId: " + event.data());
      return;
    }
    RunView run = runs.get(runId);
    if (run != null && run.terminal != null) {
      violations.add(
          "event " + describe(event) + " after the terminal " + run.terminal + " of run " + runId);
      return;
    }
    long epoch = data.path("epoch").asLong(-1);
    switch (event.type()) {
      case "reset" -> reset(event, runId, run, epoch);
      case "chunk" -> chunk(event, run, epoch, data);
      case "done" -> terminal(event, run, epoch, data, "done");
      case "error" -> {
        if (data.path("retryable").asBoolean(false)) {
          requireCurrentEpoch(event, run, epoch);
        } else {
          terminal(event, run, epoch, data, "error");
        }
      }
      case "cancelled" -> terminal(event, run, -1, data, "cancelled");
      default -> violations.add("unknown event type in " + describe(event));
    }
  }

  private void checkId(SseEvent event) {
    if (event.id() == null) {
      if (TERMINAL_TYPES.contains(event.type())) {
        idlessTerminals++; // functions' end from the database when the bus stayed silent: no stream
        // sequence
      } else if (event.type().equals("reset") || event.type().equals("chunk")) {
        // the stored text before such an end, when the client's text fell short of it: a chunk
        // only after such a reset (checked with the run)
        idlessTexts++;
      } else {
        violations.add("event without id: " + describe(event));
      }
      return;
    }
    long id;
    try {
      id = Long.parseLong(event.id());
    } catch (NumberFormatException e) {
      violations.add("event id is not a stream sequence: " + describe(event));
      return;
    }
    if (id <= lastId) {
      violations.add(
          "event id "
              + id
              + " after "
              + lastId
              + " (seen twice or out of order): "
              + describe(event));
    }
    lastId = Math.max(lastId, id);
  }

  private void reset(SseEvent event, String runId, RunView run, long epoch) {
    // the stored text from the database comes under the stored epoch, which may be the one shown
    boolean fromDatabase = event.id() == null;
    if (run != null && (fromDatabase ? epoch < run.epoch : epoch <= run.epoch)) {
      violations.add(
          "reset of epoch " + epoch + " after epoch " + run.epoch + ": " + describe(event));
    }
    RunView fresh = new RunView();
    fresh.epoch = epoch;
    fresh.storedText = fromDatabase;
    fresh.resets = run == null ? 1 : run.resets + 1;
    runs.put(runId, fresh);
  }

  private void chunk(SseEvent event, RunView run, long epoch, JsonNode data) {
    if (run == null) {
      violations.add("chunk before any reset of its run: " + describe(event));
      return;
    }
    if (event.id() == null && !run.storedText) {
      violations.add("event without id: " + describe(event));
    }
    if (epoch < run.epoch) {
      violations.add(
          "chunk of superseded epoch "
              + epoch
              + " after the reset of epoch "
              + run.epoch
              + ": "
              + describe(event));
      return;
    }
    if (epoch > run.epoch) {
      violations.add(
          "chunk of epoch "
              + epoch
              + " without its reset (current "
              + run.epoch
              + "): "
              + describe(event));
      return;
    }
    int index = data.path("index").asInt(-1);
    if (index != run.nextIndex) {
      violations.add(
          "chunk index "
              + index
              + " where "
              + run.nextIndex
              + " was due (gap or repeat): "
              + describe(event));
    }
    run.text.append(data.path("delta").asText());
    run.nextIndex = index + 1;
    run.chunks++;
  }

  private void terminal(SseEvent event, RunView run, long epoch, JsonNode data, String kind) {
    if (run == null) {
      violations.add(kind + " of a run never reset: " + describe(event));
      return;
    }
    if (epoch >= 0) {
      requireCurrentEpoch(event, run, epoch);
    }
    run.terminal = kind;
    run.terminalData = data;
  }

  private void requireCurrentEpoch(SseEvent event, RunView run, long epoch) {
    if (run == null || epoch != run.epoch) {
      violations.add(
          "event of epoch "
              + epoch
              + " while the run is at "
              + (run == null ? "none" : run.epoch)
              + ": "
              + describe(event));
    }
  }

  private static String describe(SseEvent event) {
    return "id=" + event.id() + " " + event.type() + " " + event.data();
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  /** The text a client shows for the run: its deltas since the last reset. */
  String text(String runId) {
    RunView run = runs.get(runId);
    return run == null ? "" : run.text.toString();
  }

  /** The data of the run's {@code done} event, if it ended so. */
  Optional<JsonNode> done(String runId) {
    RunView run = runs.get(runId);
    return run != null && "done".equals(run.terminal)
        ? Optional.of(run.terminalData)
        : Optional.empty();
  }

  /** Terminal events that came without an id: sent from the database, not from the bus. */
  int idlessTerminals() {
    return idlessTerminals;
  }

  /** Resets and chunks that came without an id: a run's stored text sent from the database. */
  int idlessTexts() {
    return idlessTexts;
  }

  int resets(String runId) {
    RunView run = runs.get(runId);
    return run == null ? 0 : run.resets;
  }

  int chunksSinceReset(String runId) {
    RunView run = runs.get(runId);
    return run == null ? 0 : run.chunks;
  }

  List<String> runIds() {
    return List.copyOf(runs.keySet());
  }

  private static final class RunView {
    long epoch = -1;

    /** Reset without an id: the stored text from the database follows. */
    boolean storedText;

    int resets;
    int nextIndex;
    int chunks;
    final StringBuilder text = new StringBuilder();
    String terminal;
    JsonNode terminalData;
  }
}
