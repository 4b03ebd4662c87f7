package dev.threadline.functions.store;

import java.util.List;
import java.util.Optional;

/** A page of an owner's threads and, when more follow, the position after its last one. */
public record ThreadPage(List<ThreadSummaryRow> threads, Optional<ThreadListPosition> next) {
  public ThreadPage {
    threads = List.copyOf(threads);
    next = next == null ? Optional.empty() : next;
  }
}
