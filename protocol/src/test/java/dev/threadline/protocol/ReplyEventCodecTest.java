package dev.threadline.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.serde.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplyEventCodecTest {

  private final ReplyEventCodec codec = new ReplyEventCodec(ObjectMapper.getDefault());
  private final UUID runId = UUID.fromString("7f0c1a52-4a53-4d43-9d4b-2a1f3c58c0de");

  @Test
  void everyEventSurvivesARoundTrip() {
    List<ReplyEvent> events =
        List.of(
            new ReplyEvent.Reset(runId, 3),
            new ReplyEvent.Chunk(runId, 3, 0, "Hel\"lo \u00e9\u4e16 \n"),
            new ReplyEvent.Chunk(runId, 3, 1, ""),
            new ReplyEvent.Done(runId, 3, UUID.randomUUID(), "stop"),
            new ReplyEvent.RunError(runId, 3, "model unavailable", true),
            new ReplyEvent.RunError(
                runId, 3, "the model provider is unavailable", true, "provider_unavailable"),
            new ReplyEvent.Cancelled(runId, 3));
    for (ReplyEvent event : events) {
      assertThat(codec.decode(event.type(), event.epoch(), codec.encode(event))).isEqualTo(event);
    }
  }

  @Test
  void dataCarriesExactlyTheContractFields() {
    assertThat(codec.encodeToString(new ReplyEvent.Chunk(runId, 2, 5, "hi")))
        .isEqualTo("{\"runId\":\"" + runId + "\",\"epoch\":2,\"index\":5,\"delta\":\"hi\"}");
    assertThat(codec.encodeToString(new ReplyEvent.Reset(runId, 1)))
        .isEqualTo("{\"runId\":\"" + runId + "\",\"epoch\":1}");
    assertThat(codec.encodeToString(new ReplyEvent.Cancelled(runId, 4)))
        .isEqualTo("{\"runId\":\"" + runId + "\"}");
  }

  @Test
  void anErrorCarriesItsCodeOnlyWhenItHasOneAndOlderErrorsStillRead() {
    assertThat(
            codec.encodeToString(
                new ReplyEvent.RunError(runId, 2, "the model call took too long", true, "timeout")))
        .isEqualTo(
            "{\"runId\":\""
                + runId
                + "\",\"epoch\":2,\"message\":\"the model call took too long\","
                + "\"retryable\":true,\"code\":\"timeout\"}");
    assertThat(codec.encodeToString(new ReplyEvent.RunError(runId, 2, "x", false)))
        .isEqualTo(
            "{\"runId\":\"" + runId + "\",\"epoch\":2,\"message\":\"x\",\"retryable\":false}");
    byte[] older =
        ("{\"runId\":\"" + runId + "\",\"epoch\":2,\"message\":\"boom\",\"retryable\":true}")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(codec.decode("error", 2, older))
        .isEqualTo(new ReplyEvent.RunError(runId, 2, "boom", true, null));
  }

  @Test
  void unknownTypesAndGarbageAreRejectedWithAReason() {
    assertThatThrownBy(() -> codec.decode("chunky", 1, "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedReplyEventException.class)
        .hasMessageContaining("chunky");
    assertThatThrownBy(() -> codec.decode("chunk", 1, "not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedReplyEventException.class);
  }

  @Test
  void anEpochHeaderThatDisagreesWithTheDataIsRejected() {
    byte[] data = codec.encode(new ReplyEvent.Chunk(runId, 2, 0, "x"));
    assertThatThrownBy(() -> codec.decode("chunk", 3, data))
        .isInstanceOf(MalformedReplyEventException.class)
        .hasMessageContaining("epoch");
  }
}
