package dev.threadline.completion;

import io.micronaut.core.annotation.Nullable;

/**
 * Makes text from the provider fit for exception messages and logs: one line, at most {@value
 * #MAX_CHARS} characters, with the API key (which some providers echo) masked.
 */
final class ProviderText {

  static final int MAX_CHARS = 300;

  private final String secret;

  ProviderText(@Nullable String secret) {
    this.secret = secret == null || secret.isBlank() ? null : secret;
  }

  String excerpt(@Nullable String raw) {
    if (raw == null || raw.isBlank()) {
      return "(no message)";
    }
    String text = secret == null ? raw : raw.replace(secret, "***");
    text = text.replaceAll("\\s+", " ").strip();
    if (text.length() > MAX_CHARS) {
      text = text.substring(0, MAX_CHARS) + "...";
    }
    return text;
  }
}
