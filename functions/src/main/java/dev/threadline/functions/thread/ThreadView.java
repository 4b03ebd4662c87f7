package dev.threadline.functions.thread;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.ThreadSnapshot;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.UUID;

/**
 * The wire form of a thread (GET /v1/threads/{id}, and the body of POST /v1/threads): its newest
 * messages (at most 100), oldest first; {@code olderCursor} pages back, null when nothing is older.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ThreadView(
    String id,
    String title,
    String status,
    UUID activeRunId,
    List<MessageView> messages,
    String olderCursor) {

  public static final String IDLE = "idle";
  public static final String IN_PROGRESS = "in_progress";

  public static ThreadView of(ThreadSnapshot snapshot) {
    return new ThreadView(
        snapshot.thread().id().value(),
        snapshot.thread().title(),
        snapshot.inProgress() ? IN_PROGRESS : IDLE,
        snapshot.activeRunId(),
        snapshot.messages().stream().map(MessageView::of).toList(),
        MessagePageView.olderCursor(snapshot.newest()));
  }
}
