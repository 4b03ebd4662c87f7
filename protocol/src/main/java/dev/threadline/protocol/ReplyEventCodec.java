package dev.threadline.protocol;

import io.micronaut.serde.ObjectMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Turns reply events into their JSON data and back; the type travels beside the data. */
@Singleton
public final class ReplyEventCodec {

  private final ObjectMapper mapper;

  public ReplyEventCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public byte[] encode(ReplyEvent event) {
    try {
      if (event instanceof ReplyEvent.Cancelled cancelled) {
        return mapper.writeValueAsBytes(new CancelledData(cancelled.runId()));
      }
      return mapper.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding " + event.type() + " of run " + event.runId(), e);
    }
  }

  /**
   * @param type the event type ({@link ReplyEvent#type()})
   * @param epoch the publisher's epoch header, authoritative for every type
   * @throws MalformedReplyEventException when the type is unknown or the data does not parse
   */
  public ReplyEvent decode(String type, long epoch, byte[] data) {
    Class<?> target =
        switch (type == null ? "" : type) {
          case "reset" -> ReplyEvent.Reset.class;
          case "chunk" -> ReplyEvent.Chunk.class;
          case "done" -> ReplyEvent.Done.class;
          case "error" -> ReplyEvent.RunError.class;
          case "cancelled" -> CancelledData.class;
          default ->
              throw new MalformedReplyEventException("unknown reply event type '" + type + "'");
        };
    try {
      Object read = mapper.readValue(data, target);
      if (read instanceof CancelledData cancelled) {
        return new ReplyEvent.Cancelled(cancelled.runId(), epoch);
      }
      ReplyEvent event = (ReplyEvent) read;
      if (event.epoch() != epoch) {
        throw new MalformedReplyEventException(
            "epoch header " + epoch + " disagrees with data epoch " + event.epoch());
      }
      return event;
    } catch (IOException | RuntimeException e) {
      if (e instanceof MalformedReplyEventException malformed) {
        throw malformed;
      }
      throw new MalformedReplyEventException(
          "cannot read " + type + " event: " + e.getMessage(), e);
    }
  }

  /** The contract's data of a {@code cancelled} event: the run id alone. */
  @Serdeable
  record CancelledData(UUID runId) {
    CancelledData {
      java.util.Objects.requireNonNull(runId, "runId");
    }
  }

  /** A JSON text of the event's data, for SSE. */
  public String encodeToString(ReplyEvent event) {
    return new String(encode(event), java.nio.charset.StandardCharsets.UTF_8);
  }
}
