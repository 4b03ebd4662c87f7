package dev.threadline.functions.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** With AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE set, a bearer token must carry both. */
@MicronautTest
class IssuerAndAudienceTest extends ApiTestBase {

  private static final String ISSUER = "https://id.example.test/";
  private static final String AUDIENCE = "threadline-api";

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = super.getProperties();
    properties.put("auth.jwt.issuer", ISSUER);
    properties.put("auth.jwt.audience", AUDIENCE);
    return properties;
  }

  static Stream<Arguments> tokens() {
    return Stream.of(
        Arguments.of("no iss, no aud", TestTokens.with("ivy", claims -> claims), 401),
        Arguments.of(
            "right aud, no iss", TestTokens.with("ivy", claims -> claims.audience(AUDIENCE)), 401),
        Arguments.of(
            "right iss, no aud", TestTokens.with("ivy", claims -> claims.issuer(ISSUER)), 401),
        Arguments.of(
            "other iss",
            TestTokens.with(
                "ivy", claims -> claims.issuer("https://evil.example.test/").audience(AUDIENCE)),
            401),
        Arguments.of(
            "other aud",
            TestTokens.with("ivy", claims -> claims.issuer(ISSUER).audience("another-api")),
            401),
        Arguments.of(
            "iss and aud",
            TestTokens.with("ivy", claims -> claims.issuer(ISSUER).audience(AUDIENCE)),
            201),
        Arguments.of(
            "iss and an aud list holding it",
            TestTokens.with(
                "ivy", claims -> claims.issuer(ISSUER).audience(List.of("other", AUDIENCE))),
            201));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("tokens")
  void aBearerTokenNeedsTheConfiguredIssuerAndAudience(String why, String token, int status) {
    Map<String, Long> before = rowCounts();
    HttpResponse<String> response =
        api.postJson("/v1/threads", token, "{\"id\":\"" + uniqueId("iss") + "\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    if (status == 401) {
      assertProblem(response, 401, null);
      assertThat(rowCounts()).isEqualTo(before);
    }
  }
}
