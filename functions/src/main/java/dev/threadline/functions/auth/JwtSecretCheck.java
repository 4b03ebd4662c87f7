package dev.threadline.functions.auth;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import java.nio.charset.StandardCharsets;

/**
 * Refuses start-up without a usable HS256 key: JWTs of every owner would otherwise be unverifiable
 * (or forgeable with a short key).
 */
@Context
public class JwtSecretCheck {

  public static final int MIN_BYTES = 32;

  public JwtSecretCheck(@Value("${auth.jwt.secret:}") String secret) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalStateException(
          "AUTH_JWT_SECRET is not set: set it to the HS256 key (at least "
              + MIN_BYTES
              + " bytes) that signs client JWTs");
    }
    if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_BYTES) {
      throw new IllegalStateException(
          "AUTH_JWT_SECRET is too short: an HS256 key needs at least " + MIN_BYTES + " bytes");
    }
  }
}
