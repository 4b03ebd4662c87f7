package dev.threadline.functions.thread;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.ThreadSummaryRow;
import io.micronaut.serde.annotation.Serdeable;

/** One thread in the owner's list; {@code updatedAt} (ISO-8601 UTC) is its last activity. */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ThreadSummaryView(String id, String title, String status, String updatedAt) {

  static ThreadSummaryView of(ThreadSummaryRow row) {
    return new ThreadSummaryView(
        row.id().value(),
        row.title(),
        row.inProgress() ? ThreadView.IN_PROGRESS : ThreadView.IDLE,
        row.updatedAt().toString());
  }
}
