package dev.threadline.relay.run;

/**
 * The reply of one attempt, made storable as it streams: PostgreSQL's {@code text} refuses NUL, and
 * a lone surrogate cannot be encoded as UTF-8 (the driver would store {@code ?}). Each is replaced
 * by U+FFFD in the delta that is published and in the content that is stored alike, so the deltas
 * after a reset still equal the stored message. A high surrogate that ends a delta waits for the
 * next one, where its low half may be.
 */
final class ReplyText {

  static final char REPLACEMENT = '\uFFFD';

  private final StringBuilder content = new StringBuilder();
  private char pendingHigh;

  /** The storable text of {@code delta} to publish now (maybe empty); it is part of the content. */
  String accept(String delta) {
    StringBuilder out = new StringBuilder(delta.length() + 1);
    int i = 0;
    if (pendingHigh != 0) {
      if (!delta.isEmpty() && Character.isLowSurrogate(delta.charAt(0))) {
        out.append(pendingHigh).append(delta.charAt(0));
        i = 1;
      } else {
        out.append(REPLACEMENT);
      }
      pendingHigh = 0;
    }
    for (; i < delta.length(); i++) {
      char c = delta.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == delta.length()) {
          pendingHigh = c;
        } else if (Character.isLowSurrogate(delta.charAt(i + 1))) {
          out.append(c).append(delta.charAt(++i));
        } else {
          out.append(REPLACEMENT);
        }
      } else if (c == '\u0000' || Character.isLowSurrogate(c)) {
        out.append(REPLACEMENT);
      } else {
        out.append(c);
      }
    }
    content.append(out);
    return out.toString();
  }

  /** What is still held back when the stream ends (a lone high surrogate), to publish last. */
  String finish() {
    if (pendingHigh == 0) {
      return "";
    }
    pendingHigh = 0;
    content.append(REPLACEMENT);
    return String.valueOf(REPLACEMENT);
  }

  /** Everything accepted so far: what the published deltas add up to. */
  String content() {
    return content.toString();
  }
}
