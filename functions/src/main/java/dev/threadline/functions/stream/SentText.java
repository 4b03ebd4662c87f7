package dev.threadline.functions.stream;

import dev.threadline.protocol.ReplyEvent;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What one client was sent of one epoch of a run, as long as it is known whole: from that epoch's
 * reset, every chunk in index order. Not known after a resume that started mid-epoch. Kept as a
 * length and a 64-bit polynomial hash with a random base per client, not as the text: a thousand
 * clients of one long reply must not hold a thousand copies of it.
 */
final class SentText {
  private final long base = ThreadLocalRandom.current().nextLong() | 1;
  private UUID run;
  private long epoch;
  private long hash;
  private long length;
  private int nextIndex;
  private boolean whole;

  void sent(ReplyEvent event) {
    if (event instanceof ReplyEvent.Reset reset) {
      run = reset.runId();
      epoch = reset.epoch();
      hash = 0;
      length = 0;
      nextIndex = 0;
      whole = true;
    } else if (event instanceof ReplyEvent.Chunk chunk) {
      if (whole
          && chunk.runId().equals(run)
          && chunk.epoch() == epoch
          && chunk.index() == nextIndex) {
        hash = extend(hash, chunk.delta());
        length += chunk.delta().length();
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
        && length == expected.length()
        && hash == extend(0, expected);
  }

  void clear() {
    run = null;
    whole = false;
    hash = 0;
    length = 0;
    nextIndex = 0;
  }

  private long extend(long from, String text) {
    long h = from;
    for (int i = 0; i < text.length(); i++) {
      h = h * base + text.charAt(i);
    }
    return h;
  }
}
