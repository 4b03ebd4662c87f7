package dev.threadline.functions.stream;

import dev.threadline.protocol.ReplyEvent;
import java.util.UUID;

/**
 * The text one client was sent of one epoch of a run, as long as it is known whole: from that
 * epoch's reset, every chunk in index order. Not known after a resume that started mid-epoch.
 */
final class SentText {
  private UUID run;
  private long epoch;
  private final StringBuilder text = new StringBuilder();
  private int nextIndex;
  private boolean whole;

  void sent(ReplyEvent event) {
    if (event instanceof ReplyEvent.Reset reset) {
      run = reset.runId();
      epoch = reset.epoch();
      text.setLength(0);
      nextIndex = 0;
      whole = true;
    } else if (event instanceof ReplyEvent.Chunk chunk) {
      if (whole
          && chunk.runId().equals(run)
          && chunk.epoch() == epoch
          && chunk.index() == nextIndex) {
        text.append(chunk.delta());
        nextIndex++;
      } else {
        clear();
      }
    }
  }

  /** True only when the client was sent exactly {@code expected} since that epoch's reset. */
  boolean is(UUID expectedRun, long expectedEpoch, String expected) {
    return whole
        && expectedRun.equals(run)
        && expectedEpoch == epoch
        && text.toString().equals(expected);
  }

  void clear() {
    run = null;
    whole = false;
    text.setLength(0);
    nextIndex = 0;
  }
}
