package dev.threadline.functions.thread;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.MessagePage;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * {@code GET /v1/threads/{id}/messages}: older messages, oldest first; {@code olderCursor} null
 * when nothing older remains.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record MessagePageView(List<MessageView> messages, String olderCursor) {

  static MessagePageView of(MessagePage page) {
    return new MessagePageView(
        page.messages().stream().map(MessageView::of).toList(), olderCursor(page));
  }

  static String olderCursor(MessagePage page) {
    return page.olderBefore().isPresent()
        ? PageCursors.messages(page.olderBefore().getAsLong())
        : null;
  }
}
