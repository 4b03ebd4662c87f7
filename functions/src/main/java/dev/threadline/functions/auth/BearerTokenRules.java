package dev.threadline.functions.auth;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;

/**
 * What a bearer JWT must claim besides its HS256 signature: {@code AUTH_JWT_ISSUER} and {@code
 * AUTH_JWT_AUDIENCE}, each checked only when set. Validated at start-up: a value that is set but
 * blank or padded would refuse every token, so it stops the process instead.
 *
 * @param issuer the {@code iss} every token must carry; empty: not checked
 * @param audience a value the token's {@code aud} must contain; empty: not checked
 */
@Context
public record BearerTokenRules(Optional<String> issuer, Optional<String> audience) {

  /**
   * How far a token's {@code nbf} may lie ahead of this instance's clock: an identity provider's
   * clock a little ahead of ours must not refuse a token it just minted.
   */
  public static final Duration NOT_BEFORE_LEEWAY = Duration.ofSeconds(30);

  public BearerTokenRules {
    check("AUTH_JWT_ISSUER", issuer);
    check("AUTH_JWT_AUDIENCE", audience);
  }

  @Inject
  public BearerTokenRules(
      @Nullable @Value("${auth.jwt.issuer:}") String issuer,
      @Nullable @Value("${auth.jwt.audience:}") String audience) {
    this(unset(issuer), unset(audience));
  }

  private static Optional<String> unset(String value) {
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  private static void check(String variable, Optional<String> value) {
    if (value == null) {
      throw new IllegalArgumentException(variable + ": null; use Optional.empty() for unset");
    }
    value.ifPresent(
        text -> {
          if (text.isBlank()
              || !text.strip().equals(text)
              || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalStateException(
                variable
                    + " is set but blank, padded with whitespace or holds control characters:"
                    + " unset it (not checked) or set the exact value tokens carry");
          }
        });
  }
}
