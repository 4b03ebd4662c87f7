package dev.threadline.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client rules the system tests judge every stream by, checked on hand-made event sequences.
 */
class ReplyAssemblerTest {

  private static final String RUN = "0b7e5b7a-57b2-4d4f-a3ac-96a1a8e4c0de";
  private static final String MESSAGE = "5f0c2a1e-0d7c-4a0b-9b8e-6c9a3b2d1e0f";

  private long sequence;
  private final List<SseEvent> events = new ArrayList<>();

  @Test
  void concatenatesTheDeltasOfARunAndRecordsItsDone() {
    reset(1).chunk(1, 0, "Hel").chunk(1, 1, "lo").done(1);

    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);

    assertThat(assembler.violations()).isEmpty();
    assertThat(assembler.text(RUN)).isEqualTo("Hello");
    assertThat(assembler.done(RUN))
        .hasValueSatisfying(d -> assertThat(d.path("messageId").asText()).isEqualTo(MESSAGE));
  }

  @Test
  void aResetWithAHigherEpochDiscardsTheTextShownSoFar() {
    reset(1).chunk(1, 0, "stale").error(1, true).reset(2).chunk(2, 0, "fresh").done(2);

    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);

    assertThat(assembler.violations()).isEmpty();
    assertThat(assembler.text(RUN)).isEqualTo("fresh");
    assertThat(assembler.resets(RUN)).isEqualTo(2);
  }

  @Test
  void flagsAGapInTheChunkIndices() {
    reset(1).chunk(1, 0, "a").chunk(1, 2, "c");

    assertThat(new ReplyAssembler().acceptAll(events).violations())
        .singleElement()
        .asString()
        .contains("gap or repeat");
  }

  @Test
  void flagsARepeatedChunk() {
    reset(1).chunk(1, 0, "a").chunk(1, 0, "a");

    assertThat(new ReplyAssembler().acceptAll(events).violations())
        .singleElement()
        .asString()
        .contains("gap or repeat");
  }

  @Test
  void flagsAChunkOfASupersededEpochAfterTheResetOfANewerOne() {
    reset(1).chunk(1, 0, "a").reset(2).chunk(1, 1, "zombie");

    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);

    assertThat(assembler.violations()).singleElement().asString().contains("superseded epoch 1");
    assertThat(assembler.text(RUN)).isEmpty();
  }

  @Test
  void flagsAChunkBeforeAnyReset() {
    chunk(1, 0, "a");

    assertThat(new ReplyAssembler().acceptAll(events).violations())
        .singleElement()
        .asString()
        .contains("before any reset");
  }

  @Test
  void flagsAnEventIdSeenTwiceAcrossAResume() {
    reset(1).chunk(1, 0, "a");
    List<SseEvent> firstConnection = List.copyOf(events);
    List<SseEvent> secondConnection = List.of(events.get(1));

    ReplyAssembler assembler =
        new ReplyAssembler().acceptAll(firstConnection).acceptAll(secondConnection);

    assertThat(assembler.violations()).isNotEmpty().first().asString().contains("seen twice");
  }

  @Test
  void flagsAnythingAfterTheTerminalEvent() {
    reset(1).chunk(1, 0, "a").done(1).chunk(1, 1, "late");

    assertThat(new ReplyAssembler().acceptAll(events).violations())
        .singleElement()
        .asString()
        .contains("after the terminal");
  }

  @Test
  void acceptsTheStoredTextWithoutIdsReplacingAPartOfTheSameEpochBeforeAnEndWithoutId() {
    reset(1).chunk(1, 0, "Hel");
    events.add(new SseEvent(null, "reset", "{\"runId\":\"" + RUN + "\",\"epoch\":1}"));
    events.add(
        new SseEvent(
            null,
            "chunk",
            "{\"runId\":\"" + RUN + "\",\"epoch\":1,\"index\":0,\"delta\":\"Hello\"}"));
    events.add(
        new SseEvent(
            null,
            "done",
            "{\"runId\":\""
                + RUN
                + "\",\"epoch\":1,\"messageId\":\""
                + MESSAGE
                + "\",\"finishReason\":\"stop\"}"));

    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);

    assertThat(assembler.violations()).isEmpty();
    assertThat(assembler.text(RUN)).isEqualTo("Hello");
    assertThat(assembler.idlessTexts()).isEqualTo(2);
    assertThat(assembler.idlessTerminals()).isEqualTo(1);
  }

  @Test
  void acceptsATerminalEventWithoutIdButNoOtherEvent() {
    reset(1).chunk(1, 0, "a");
    events.add(
        new SseEvent(
            null, "chunk", "{\"runId\":\"" + RUN + "\",\"epoch\":1,\"index\":1,\"delta\":\"b\"}"));
    events.add(
        new SseEvent(
            null,
            "done",
            "{\"runId\":\""
                + RUN
                + "\",\"epoch\":1,\"messageId\":\""
                + MESSAGE
                + "\",\"finishReason\":\"stop\"}"));

    ReplyAssembler assembler = new ReplyAssembler().acceptAll(events);

    assertThat(assembler.idlessTerminals()).isEqualTo(1);
    assertThat(assembler.done(RUN)).isPresent();
    assertThat(assembler.violations()).singleElement().asString().contains("event without id");
  }

  private ReplyAssemblerTest reset(long epoch) {
    return add("reset", "{\"runId\":\"" + RUN + "\",\"epoch\":" + epoch + "}");
  }

  private ReplyAssemblerTest chunk(long epoch, int index, String delta) {
    return add(
        "chunk",
        "{\"runId\":\""
            + RUN
            + "\",\"epoch\":"
            + epoch
            + ",\"index\":"
            + index
            + ",\"delta\":\""
            + delta
            + "\"}");
  }

  private ReplyAssemblerTest done(long epoch) {
    return add(
        "done",
        "{\"runId\":\""
            + RUN
            + "\",\"epoch\":"
            + epoch
            + ",\"messageId\":\""
            + MESSAGE
            + "\",\"finishReason\":\"stop\"}");
  }

  private ReplyAssemblerTest error(long epoch, boolean retryable) {
    return add(
        "error",
        "{\"runId\":\""
            + RUN
            + "\",\"epoch\":"
            + epoch
            + ",\"message\":\"model failed\","
            + "\"retryable\":"
            + retryable
            + "}");
  }

  private ReplyAssemblerTest add(String type, String data) {
    events.add(new SseEvent(String.valueOf(++sequence), type, data));
    return this;
  }
}
