package dev.threadline.functions.submit;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.UUID;

/**
 * 202 body of a submit. A retried request with the same Idempotency-Key gets the same body as the
 * first (status {@code queued}); the run's current status is read with GET .../runs/{runId}.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SubmitAccepted(UUID runId, String threadId, String status) {
  public static SubmitAccepted queued(UUID runId, String threadId) {
    return new SubmitAccepted(runId, threadId, "queued");
  }
}
