package dev.threadline.functions.streamtoken;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.threadline.protocol.ThreadId;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Mints and checks stream tokens: HS256 JWTs signed with the same {@code AUTH_JWT_SECRET} as bearer
 * tokens, told apart by {@code aud: "threadline-stream"} and a {@code thread} claim. A browser's
 * EventSource cannot send an Authorization header, so it carries one of these in the URL instead of
 * the long-lived bearer, which must never appear in a URL (logs, history, Referer).
 */
@Singleton
public class StreamTokens {

  /** The audience of a stream token; a bearer token carrying it is refused (BearerOnlyClaims). */
  public static final String AUDIENCE = "threadline-stream";

  /** The claim naming the one thread whose stream the token opens. */
  public static final String THREAD_CLAIM = "thread";

  private final byte[] secret;
  private final StreamTokenConfiguration configuration;
  private final Clock clock;

  public StreamTokens(
      @Value("${auth.jwt.secret:}") String secret,
      StreamTokenConfiguration configuration,
      Clock clock) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.configuration = configuration;
    this.clock = clock;
  }

  /** A token for {@code owner} to open {@code threadId}'s stream until now + ttl. */
  public StreamTokenView mint(String owner, ThreadId threadId) {
    // whole seconds: JWT times are seconds, and expiresAt must say exactly what exp says
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant expiresAt = now.plus(configuration.ttl());
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(owner)
            .audience(AUDIENCE)
            .claim(THREAD_CLAIM, threadId.value())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(expiresAt))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException("signing a stream token with AUTH_JWT_SECRET", e);
    }
    return new StreamTokenView(jwt.serialize(), expiresAt);
  }

  /**
   * The grant of a well-formed, HS256-signed, unexpired stream token, or empty for anything else (a
   * bearer token included: it has no stream audience).
   */
  public Optional<StreamToken> verify(String token) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())
          || !jwt.verify(new MACVerifier(secret))) {
        return Optional.empty();
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Date expires = claims.getExpirationTime();
      Object thread = claims.getClaim(THREAD_CLAIM);
      if (!isStreamToken(claims.getAudience())
          || expires == null
          || !clock.instant().isBefore(expires.toInstant())
          || claims.getSubject() == null
          || claims.getSubject().isBlank()
          || !(thread instanceof String threadValue)
          || !ThreadId.isValid(threadValue)) {
        return Optional.empty();
      }
      return Optional.of(
          new StreamToken(claims.getSubject(), new ThreadId(threadValue), expires.toInstant()));
    } catch (ParseException | JOSEException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  static boolean isStreamToken(List<String> audience) {
    return audience != null && audience.contains(AUDIENCE);
  }
}
