package dev.threadline.functions.input;

import dev.threadline.functions.problem.InvalidRequestException;
import dev.threadline.protocol.ThreadId;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/** Validation of every value that comes from a client, each refusal naming its field. */
public final class Inputs {

  /** {@code content} limit in UTF-8 bytes (contract 4: 32 KiB). */
  public static final int MAX_CONTENT_BYTES = 32 * 1024;

  public static final int MAX_TITLE_CHARS = 200;
  public static final int MAX_IDEMPOTENCY_KEY_CHARS = 255;
  public static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}");

  private Inputs() {}

  /**
   * Every client string passes here: no control character but tab, CR and LF (PostgreSQL refuses
   * NUL outright, and the others have no business in a chat message, a title or a key), and no
   * unpaired surrogate (it is not text, and would reach the database as '?').
   */
  public static String text(String field, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\r' && c != '\n') {
        throw new InvalidRequestException(
            field,
            String.format(
                "must not contain control characters (found U+%04X at index %d); only tab, CR"
                    + " and LF are allowed",
                (int) c, i));
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidRequestException(
            field, "must be valid Unicode (unpaired surrogate at index " + i + ")");
      }
    }
    return value;
  }

  public static ThreadId threadId(String field, String value) {
    if (!ThreadId.isValid(value)) {
      throw new InvalidRequestException(field, "must match " + ThreadId.PATTERN.pattern());
    }
    return new ThreadId(value);
  }

  /**
   * A run id from a path: outside the id pattern it is a bad request; inside it but not a UUID no
   * run can have it, so it is simply not found (null).
   */
  public static UUID runIdOrNull(String field, String value) {
    if (!ThreadId.isValid(value)) {
      throw new InvalidRequestException(field, "must match " + ThreadId.PATTERN.pattern());
    }
    try {
      UUID id = UUID.fromString(value);
      return id.toString().equalsIgnoreCase(value) ? id : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  public static String content(String value) {
    if (value.isBlank()) {
      throw new InvalidRequestException("content", "must not be empty");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_CONTENT_BYTES) {
      throw new InvalidRequestException(
          "content", "longer than " + MAX_CONTENT_BYTES + " bytes (UTF-8)");
    }
    return value;
  }

  public static String title(String value) {
    if (value.length() > MAX_TITLE_CHARS) {
      throw new InvalidRequestException("title", "longer than " + MAX_TITLE_CHARS + " characters");
    }
    return value;
  }

  public static String model(String value) {
    if (!MODEL.matcher(value).matches()) {
      throw new InvalidRequestException("model", "must match " + MODEL.pattern());
    }
    return value;
  }

  public static String idempotencyKey(String value) {
    if (value == null) {
      return null;
    }
    if (value.isEmpty() || value.length() > MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new InvalidRequestException(
          "Idempotency-Key", "must be 1 to " + MAX_IDEMPOTENCY_KEY_CHARS + " characters");
    }
    return text("Idempotency-Key", value);
  }

  /**
   * A Last-Event-ID: a JetStream sequence, decimal, 0 to 2^64-1. One past {@link Long#MAX_VALUE} is
   * past any subject's end, and read as {@link Long#MAX_VALUE} (the stream then replays the current
   * run from its reset).
   */
  public static long lastEventId(String value) {
    String digits = value.trim();
    if (digits.isEmpty() || digits.length() > 20 || !digits.chars().allMatch(Inputs::isDigit)) {
      throw badLastEventId();
    }
    try {
      long id = Long.parseUnsignedLong(digits);
      return id < 0 ? Long.MAX_VALUE : id;
    } catch (NumberFormatException e) {
      throw badLastEventId();
    }
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static InvalidRequestException badLastEventId() {
    return new InvalidRequestException(
        "Last-Event-ID", "must be a stream sequence (a decimal integer from 0 to 2^64-1)");
  }
}
