package dev.threadline.functions.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Value;
import io.micronaut.security.token.jwt.signature.SignatureConfiguration;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;

/**
 * The one signature a bearer JWT may carry: HS256 with {@code AUTH_JWT_SECRET}.
 * micronaut-security's own secret signature verifies any HMAC algorithm with the key (HS384 and
 * HS512 too), so a token minted by another system that shares the key but not the algorithm would
 * pass; this one refuses every header but {@code alg: HS256}. Unsigned tokens ({@code alg: none})
 * never reach a signature.
 */
@Singleton
class Hs256Signature implements SignatureConfiguration {

  private final byte[] secret;

  Hs256Signature(@Value("${auth.jwt.secret:}") String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String supportedAlgorithmsMessage() {
    return "Only the HS256 algorithm is supported";
  }

  @Override
  public boolean supports(JWSAlgorithm algorithm) {
    return JWSAlgorithm.HS256.equals(algorithm);
  }

  @Override
  public boolean verify(SignedJWT jwt) throws JOSEException {
    return supports(jwt.getHeader().getAlgorithm()) && jwt.verify(new MACVerifier(secret));
  }
}
