package dev.threadline.functions.stream;

import io.micronaut.security.authentication.Authentication;
import java.time.Instant;
import java.util.Date;

/** When the token that authenticated a request expires: its {@code exp} claim. */
final class TokenExpiry {

  static final String CLAIM = "exp";

  private TokenExpiry() {}

  /** Null when the token carries no {@code exp}. */
  static Instant of(Authentication authentication) {
    Object exp = authentication.getAttributes().get(CLAIM);
    if (exp instanceof Date date) {
      return date.toInstant();
    }
    if (exp instanceof Instant instant) {
      return instant;
    }
    if (exp instanceof Number seconds) {
      return Instant.ofEpochSecond(seconds.longValue());
    }
    return null;
  }
}
