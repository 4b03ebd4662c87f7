package dev.threadline.functions.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Mints HS256 JWTs as a client's identity provider would. */
public final class TestTokens {

  /** 64 bytes: long enough that HS384 and HS512 can sign with it too (which must not pass). */
  public static final String SECRET =
      "test-secret-of-at-least-32-bytes-for-hs256-and-64-for-hs512-too!";

  private TestTokens() {}

  public static String forOwner(String owner) {
    return sign(SECRET, owner, Instant.now().plus(Duration.ofHours(1)));
  }

  /** An operator's token: {@code roles: ["admin"]} opens {@code /v1/admin/**}. */
  public static String admin(String subject) {
    try {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .subject(subject)
              .claim("roles", java.util.List.of("admin"))
              .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
              .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A bearer token of {@code owner} whose {@code exp} is {@code in} from now (whole seconds). */
  public static String expiringIn(String owner, Duration in) {
    return sign(SECRET, owner, Instant.now().plus(in));
  }

  public static String expired(String owner) {
    return sign(SECRET, owner, Instant.now().minus(Duration.ofHours(1)));
  }

  public static String signedWithOtherKey(String owner) {
    return sign(
        "another-secret-of-at-least-32-bytes-long!!", owner, Instant.now().plusSeconds(3600));
  }

  public static String withoutSubject() {
    return sign(SECRET, null, Instant.now().plusSeconds(3600));
  }

  /** An unsecured JWT ({@code alg: none}) that claims the owner. */
  public static String unsigned(String owner) {
    return new com.nimbusds.jwt.PlainJWT(
            new JWTClaimsSet.Builder()
                .subject(owner)
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build())
        .serialize();
  }

  /** A token for {@code owner}, valid for an hour, with whatever {@code extra} adds or replaces. */
  public static String with(
      String owner, java.util.function.UnaryOperator<JWTClaimsSet.Builder> extra) {
    return signed(
        JWSAlgorithm.HS256,
        extra
            .apply(
                new JWTClaimsSet.Builder()
                    .subject(owner)
                    .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1)))))
            .build());
  }

  /** {@code claims} signed with the shared secret under an HMAC {@code algorithm} of choice. */
  public static String signed(JWSAlgorithm algorithm, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid-looking token for {@code owner} signed RS256 with a fresh RSA key. */
  public static String rs256(String owner) {
    try {
      java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      java.security.KeyPair keys = generator.generateKeyPair();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader(JWSAlgorithm.RS256),
              new JWTClaimsSet.Builder()
                  .subject(owner)
                  .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                  .build());
      jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(keys.getPrivate()));
      return jwt.serialize();
    } catch (JOSEException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(String secret, String subject, Instant expires) {
    try {
      JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().expirationTime(Date.from(expires));
      if (subject != null) {
        claims.subject(subject);
      }
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
