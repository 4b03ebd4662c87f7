package dev.threadline.functions.tail;

import dev.threadline.protocol.ReplyEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The events a tail keeps in memory: every event it read from its {@link #from()} on, which is the
 * latest reset it read (the relay purges a thread's subject at each run start, so that is what the
 * subject holds too). Bounded in characters: past the bound it forgets everything and clients that
 * need more read JetStream.
 */
final class TailWindow {

  private final long maxChars;
  private final List<TailedEvent> events = new ArrayList<>();
  private long from;
  private boolean startsARun;
  private long chars;

  /**
   * @param from the first sequence covered: nothing before it is needed by a client that starts at
   *     a run when {@code startsARun}
   */
  TailWindow(long maxChars, long from, boolean startsARun) {
    this.maxChars = maxChars;
    this.from = from;
    this.startsARun = startsARun;
  }

  /** The next event read, right after the previous one. */
  void add(TailedEvent tailed) {
    if (tailed.event() instanceof ReplyEvent.Reset) {
      forgetAll(tailed.sequence(), true);
    }
    chars += size(tailed.event());
    if (chars > maxChars) {
      forgetAll(tailed.sequence() + 1, false);
      return;
    }
    events.add(tailed);
  }

  /** The first sequence whose event (if stored) is in memory. */
  long from() {
    return from;
  }

  /** True when no event before {@link #from()} belongs to a run a client may follow. */
  boolean startsARun() {
    return startsARun;
  }

  List<TailedEvent> eventsFrom(long sequence) {
    return events.stream().filter(tailed -> tailed.sequence() >= sequence).toList();
  }

  private void forgetAll(long newFrom, boolean atARun) {
    events.clear();
    chars = 0;
    from = newFrom;
    startsARun = atARun;
  }

  private static long size(ReplyEvent event) {
    // the delta dominates; a small constant for the rest of the event
    return 64 + (event instanceof ReplyEvent.Chunk chunk ? chunk.delta().length() : 0);
  }
}
