package dev.threadline.functions.problem;

import java.util.regex.Pattern;

/**
 * Masks credentials in text bound for a log: the user info of a URL ({@code
 * nats://user:secret@host}, as {@code NATS_URL} may be) and {@code password=} style parameters (a
 * JDBC URL's).
 */
public final class LogRedaction {

  private static final Pattern URL_USER_INFO =
      Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/@\\s\\[\\]]+@");
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile("(?i)\\b(password|passwd|pwd|secret|token|access_token)=[^&;,\\s]+");

  private LogRedaction() {}

  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String masked = URL_USER_INFO.matcher(text).replaceAll("$1***@");
    return SECRET_PARAMETER.matcher(masked).replaceAll("$1=***");
  }

  /** The messages of {@code error} and its causes, masked, joined by " <- ". */
  public static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (text.length() > 0) {
        text.append(" <- ");
      }
      text.append(t.getClass().getSimpleName()).append(": ").append(redact(t.getMessage()));
    }
    return text.toString();
  }
}
