package dev.threadline.functions.streamtoken;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.util.Collection;

/**
 * Refuses a stream token presented as a bearer token (Authorization header): it is signed with the
 * same key, so without this check it would open every route of its owner, for longer than the one
 * stream it was handed out for. Applied by micronaut-security-jwt to every bearer JWT.
 */
@Singleton
class BearerOnlyClaims implements GenericJwtClaimsValidator<HttpRequest<?>> {

  @Override
  public boolean validate(Claims claims, HttpRequest<?> request) {
    return !hasStreamAudience(claims.get(Claims.AUDIENCE))
        && !claims.contains(StreamTokens.THREAD_CLAIM);
  }

  private static boolean hasStreamAudience(Object audience) {
    if (audience instanceof Collection<?> values) {
      return values.contains(StreamTokens.AUDIENCE);
    }
    return StreamTokens.AUDIENCE.equals(audience);
  }
}
