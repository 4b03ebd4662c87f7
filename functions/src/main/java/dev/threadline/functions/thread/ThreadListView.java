package dev.threadline.functions.thread;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.threadline.functions.store.ThreadPage;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** {@code GET /v1/threads}: a page of threads; {@code nextCursor} null on the last page. */
@Serdeable
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ThreadListView(List<ThreadSummaryView> threads, String nextCursor) {

  static ThreadListView of(ThreadPage page) {
    return new ThreadListView(
        page.threads().stream().map(ThreadSummaryView::of).toList(),
        page.next().map(PageCursors::threads).orElse(null));
  }
}
