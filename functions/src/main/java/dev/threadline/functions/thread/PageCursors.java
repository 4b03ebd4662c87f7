package dev.threadline.functions.thread;

import dev.threadline.functions.problem.InvalidRequestException;
import dev.threadline.functions.store.ThreadListPosition;
import dev.threadline.protocol.ThreadId;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * The opaque cursors of the thread list and of a thread's message history. Opaque so that their
 * content can change; each names its kind, so one is never taken for the other. A cursor this API
 * did not issue is a 400 naming the parameter.
 */
final class PageCursors {

  private static final String THREADS = "t1";
  private static final String MESSAGES = "m1";

  private PageCursors() {}

  static String threads(ThreadListPosition position) {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, position.updatedAt());
    return encode(THREADS + ":" + micros + ":" + position.id().value());
  }

  static ThreadListPosition threads(String field, String cursor) {
    String[] parts = decode(field, cursor).split(":", 3);
    if (parts.length != 3 || !THREADS.equals(parts[0]) || !ThreadId.isValid(parts[2])) {
      throw notOurs(field);
    }
    try {
      Instant at = Instant.EPOCH.plus(Long.parseLong(parts[1]), ChronoUnit.MICROS);
      return new ThreadListPosition(at, new ThreadId(parts[2]));
    } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
      throw notOurs(field);
    }
  }

  static String messages(long beforeSeq) {
    return encode(MESSAGES + ":" + beforeSeq);
  }

  static long messages(String field, String cursor) {
    String[] parts = decode(field, cursor).split(":", 2);
    if (parts.length != 2 || !MESSAGES.equals(parts[0])) {
      throw notOurs(field);
    }
    try {
      long seq = Long.parseLong(parts[1]);
      if (seq < 1) {
        throw notOurs(field);
      }
      return seq;
    } catch (NumberFormatException e) {
      throw notOurs(field);
    }
  }

  private static String encode(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String field, String cursor) {
    if (cursor.length() > 200) {
      throw notOurs(field);
    }
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw notOurs(field);
    }
  }

  private static InvalidRequestException notOurs(String field) {
    return new InvalidRequestException(field, "not a cursor this API issued");
  }
}
