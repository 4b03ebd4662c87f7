package dev.threadline.completion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the {@code data} of server-sent events from a byte stream, incrementally, as the bytes
 * arrive (not necessarily on line or character boundaries).
 *
 * <p>Follows the event-stream format: lines end with LF, CRLF or a lone CR; a blank line ends an
 * event; an event's {@code data:} lines (one optional space after the colon) are joined with LF;
 * comment lines ({@code :...}) and the other fields ({@code event}, {@code id}, {@code retry}) are
 * ignored, as are events without data. Lines are decoded as UTF-8 only once complete, so a
 * character split between two reads survives. At end of stream a pending event built from complete
 * lines is still returned (some servers omit the final blank line); an unterminated last line is
 * dropped, because it is most likely cut short. A leading byte order mark is skipped.
 *
 * <p>Not thread-safe; one reader per response.
 */
final class ServerSentEventReader {

  /** Longest line accepted; a longer one means the peer is not speaking SSE. */
  static final int MAX_LINE_BYTES = 1 << 20;

  private final InputStream in;
  private final byte[] buffer = new byte[8192];
  private int position;
  private int limit;
  private boolean skipLineFeed;
  private boolean endOfStream;
  private boolean firstLine = true;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

  ServerSentEventReader(InputStream in) {
    this.in = in;
  }

  /**
   * Blocks until the next event with data arrives.
   *
   * @return its data, or {@code null} at end of stream
   * @throws IOException from the stream, or when a line exceeds {@link #MAX_LINE_BYTES}
   */
  String nextData() throws IOException {
    StringBuilder data = null;
    while (true) {
      String text = nextLine();
      if (text == null) {
        return data == null ? null : data.toString();
      }
      if (text.isEmpty()) {
        if (data != null) {
          return data.toString();
        }
        continue;
      }
      if (text.startsWith("data")) {
        String value = fieldValue(text, 4);
        if (value != null) {
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
      }
      // comments (":...") and other fields are of no use to us
    }
  }

  /** The value of field {@code text[0..nameLength)}, or null when the line is another field. */
  private static String fieldValue(String text, int nameLength) {
    if (text.length() == nameLength) {
      return "";
    }
    if (text.charAt(nameLength) != ':') {
      return null;
    }
    int start = nameLength + 1;
    if (start < text.length() && text.charAt(start) == ' ') {
      start++;
    }
    return text.substring(start);
  }

  /** The next complete line without its terminator, or null at end of stream. */
  private String nextLine() throws IOException {
    line.reset();
    while (true) {
      if (position == limit && !fill()) {
        return null; // an unterminated last line is dropped on purpose
      }
      byte b = buffer[position++];
      if (skipLineFeed) {
        skipLineFeed = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\n' || b == '\r') {
        skipLineFeed = b == '\r';
        String text = line.toString(StandardCharsets.UTF_8);
        if (firstLine) {
          firstLine = false;
          if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark may open the stream
          }
        }
        return text;
      }
      if (line.size() >= MAX_LINE_BYTES) {
        throw new IOException("event-stream line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.write(b);
    }
  }

  private boolean fill() throws IOException {
    if (endOfStream) {
      return false;
    }
    int n = in.read(buffer, 0, buffer.length);
    while (n == 0) {
      n = in.read(buffer, 0, buffer.length);
    }
    if (n < 0) {
      endOfStream = true;
      return false;
    }
    position = 0;
    limit = n;
    return true;
  }
}
