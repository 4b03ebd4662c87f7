package dev.threadline.functions.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.RunRow;
import io.micronaut.serde.annotation.Serdeable;
import java.util.UUID;

@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RunView(
    UUID id,
    String status,
    int attempts,
    long epoch,
    String executorId,
    String error,
    boolean retryable) {

  static RunView of(RunRow row) {
    return new RunView(
        row.id(),
        row.status().wire(),
        row.attempts(),
        row.epoch(),
        row.executorId(),
        row.error(),
        row.retryable());
  }
}
