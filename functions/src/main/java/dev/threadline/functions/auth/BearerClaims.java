package dev.threadline.functions.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import io.micronaut.security.token.jwt.validator.JWTClaimsSetUtils;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The claims every bearer JWT needs (micronaut-security checks {@code exp} only when present, never
 * {@code nbf}, and takes {@code sub: ""} as an owner): an {@code exp} in the future, an {@code nbf}
 * not ahead of now (within {@link BearerTokenRules#NOT_BEFORE_LEEWAY}), a non-blank {@code sub}
 * without control characters (it becomes the owner column), and the configured issuer and audience.
 * A token that fails any of them is not authenticated: 401.
 */
@Singleton
class BearerClaims implements GenericJwtClaimsValidator<HttpRequest<?>> {

  private final BearerTokenRules rules;
  private final Clock clock;

  BearerClaims(BearerTokenRules rules, Clock clock) {
    this.rules = rules;
    this.clock = clock;
  }

  @Override
  public boolean validate(Claims claims, HttpRequest<?> request) {
    JWTClaimsSet set = JWTClaimsSetUtils.jwtClaimsSetFromClaims(claims);
    Instant now = clock.instant();
    return expiresLater(set.getExpirationTime(), now)
        && alreadyValid(set.getNotBeforeTime(), now)
        && isOwner(set.getSubject())
        && rules.issuer().map(issuer -> issuer.equals(set.getIssuer())).orElse(true)
        && rules.audience().map(audience -> contains(set.getAudience(), audience)).orElse(true);
  }

  private static boolean expiresLater(Date expires, Instant now) {
    return expires != null && now.isBefore(expires.toInstant());
  }

  private static boolean alreadyValid(Date notBefore, Instant now) {
    return notBefore == null
        || !notBefore.toInstant().isAfter(now.plus(BearerTokenRules.NOT_BEFORE_LEEWAY));
  }

  private static boolean isOwner(String subject) {
    return subject != null
        && !subject.isBlank()
        && subject.chars().noneMatch(Character::isISOControl);
  }

  private static boolean contains(List<String> audiences, String audience) {
    return audiences != null && audiences.contains(audience);
  }
}
