package dev.threadline.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Creator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Objects;
import java.util.UUID;

/**
 * One event of a run's live reply, as published on the thread's subject and forwarded over SSE. The
 * record's JSON is the SSE {@code data}; {@link #type()} is the SSE {@code event}.
 */
public sealed interface ReplyEvent
    permits ReplyEvent.Reset,
        ReplyEvent.Chunk,
        ReplyEvent.Done,
        ReplyEvent.RunError,
        ReplyEvent.Cancelled {

  UUID runId();

  /** The epoch of the executor that published it; {@code Cancelled} carries the run's last one. */
  long epoch();

  String type();

  /** Ends the stream of a client that follows this run. */
  boolean terminal();

  /** The run (re)started: clients discard any text already shown for {@code runId}. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Reset(UUID runId, long epoch) implements ReplyEvent {
    public Reset {
      Objects.requireNonNull(runId, "runId");
    }

    public String type() {
      return "reset";
    }

    public boolean terminal() {
      return false;
    }
  }

  /** {@code index} counts from 0 within an epoch. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Chunk(UUID runId, long epoch, int index, String delta) implements ReplyEvent {
    public Chunk {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(delta, "delta");
      if (index < 0) {
        throw new IllegalArgumentException("chunk index must be >= 0");
      }
    }

    public String type() {
      return "chunk";
    }

    public boolean terminal() {
      return false;
    }
  }

  /** The assistant message {@code messageId} is committed and readable. */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Done(UUID runId, long epoch, UUID messageId, String finishReason) implements ReplyEvent {
    public Done {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(messageId, "messageId");
    }

    public String type() {
      return "done";
    }

    public boolean terminal() {
      return true;
    }
  }

  /**
   * {@code retryable}: a reset with a higher epoch follows. {@code message} is generic and stable,
   * never a provider's text; {@code code} (absent from events of older relays) names the kind of
   * failure for programs, e.g. {@code provider_unavailable}, {@code content_filtered}.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record RunError(
      UUID runId,
      long epoch,
      String message,
      boolean retryable,
      @Nullable @JsonInclude(JsonInclude.Include.NON_NULL) String code)
      implements ReplyEvent {
    @Creator
    public RunError {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(message, "message");
    }

    /** An error without a code, as relays published before codes existed. */
    public RunError(UUID runId, long epoch, String message, boolean retryable) {
      this(runId, epoch, message, retryable, null);
    }

    public String type() {
      return "error";
    }

    public boolean terminal() {
      return !retryable;
    }
  }

  /**
   * The run was cancelled on request. Its JSON is {@code {"runId"}}; the epoch rides in a header.
   */
  @Serdeable
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Cancelled(UUID runId, long epoch) implements ReplyEvent {
    public Cancelled {
      Objects.requireNonNull(runId, "runId");
    }

    public String type() {
      return "cancelled";
    }

    public boolean terminal() {
      return true;
    }
  }
}
