package dev.threadline.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.TestTokens;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bearer JWTs only; a thread is visible to its owner alone, and its existence never leaks. */
@MicronautTest
class AuthTest extends ApiTestBase {

  private static final String OWNER = "dave";
  private String thread;
  private UUID run;

  @BeforeAll
  void aThreadWithARun() {
    thread = createThread(OWNER);
    run = submit(OWNER, thread, "mine");
  }

  record Route(String method, String path) {}

  private Stream<Route> routes() {
    return Stream.of(
        new Route("POST", "/v1/threads"),
        new Route("GET", "/v1/threads/" + thread),
        new Route("POST", "/v1/threads/" + thread + "/messages"),
        new Route("GET", "/v1/threads/" + thread + "/runs/" + run),
        new Route("POST", "/v1/threads/" + thread + "/runs/" + run + "/cancel"),
        new Route("GET", "/v1/threads/" + thread + "/stream"));
  }

  static Stream<Arguments> badTokens() {
    return Stream.of(
        Arguments.of("no token", null),
        Arguments.of("bad signature", TestTokens.signedWithOtherKey(OWNER)),
        Arguments.of("expired", TestTokens.expired(OWNER)),
        Arguments.of("no sub", TestTokens.withoutSubject()),
        Arguments.of("unsigned (alg none)", TestTokens.unsigned(OWNER)),
        Arguments.of("not a JWT", "garbage"),
        Arguments.of(
            "HS384 with the right key",
            TestTokens.signed(
                JWSAlgorithm.HS384,
                new JWTClaimsSet.Builder()
                    .subject(OWNER)
                    .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                    .build())),
        Arguments.of(
            "HS512 with the right key",
            TestTokens.signed(
                JWSAlgorithm.HS512,
                new JWTClaimsSet.Builder()
                    .subject(OWNER)
                    .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                    .build())),
        Arguments.of("RS256", TestTokens.rs256(OWNER)),
        Arguments.of("no exp", TestTokens.with(OWNER, claims -> claims.expirationTime(null))),
        Arguments.of(
            "nbf tomorrow",
            TestTokens.with(
                OWNER,
                claims -> claims.notBeforeTime(Date.from(Instant.now().plus(Duration.ofDays(1)))))),
        Arguments.of(
            "nbf two minutes ahead (past the leeway)",
            TestTokens.with(
                OWNER,
                claims ->
                    claims.notBeforeTime(Date.from(Instant.now().plus(Duration.ofMinutes(2)))))),
        Arguments.of("sub empty", TestTokens.with(OWNER, claims -> claims.subject(""))),
        Arguments.of("sub blank", TestTokens.with(OWNER, claims -> claims.subject("   "))),
        Arguments.of(
            "sub with NUL", TestTokens.with(OWNER, claims -> claims.subject("da\u0000ve"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTokens")
  void aMissingOrBadTokenIs401ProblemOnEveryRouteAndWritesNothing(String why, String token) {
    Map<String, Long> before = rowCounts();
    routes()
        .forEach(
            route -> {
              HttpResponse<String> response = call(route, token);
              assertProblem(response, 401, null);
              assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            });
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void anotherOwnerGets404OnEveryThreadRouteIdenticalToAnUnknownRoute() {
    String stranger = TestTokens.forOwner("eve");
    HttpResponse<String> unknownRoute = api.get("/v1/no-such-route", stranger);
    assertProblem(unknownRoute, 404, null);
    HttpResponse<String> unknownThread = api.get("/v1/threads/" + uniqueId("missing"), stranger);
    assertThat(unknownThread.body()).isEqualTo(unknownRoute.body());
    Map<String, Long> before = rowCounts();

    routes()
        .skip(1)
        .forEach(
            route -> {
              HttpResponse<String> response = call(route, stranger);
              assertProblem(response, 404, null);
              assertThat(response.body()).as(route.toString()).isEqualTo(unknownRoute.body());
            });
    assertThat(rowCounts()).isEqualTo(before);
    assertThat(queryString("select status from runs where id = '" + run + "'")).isEqualTo("queued");
  }

  @Test
  void aTokenWithAPastNbfOrOneWithinTheLeewayIsAccepted() {
    for (Duration ahead : new Duration[] {Duration.ofHours(-1), Duration.ofSeconds(10)}) {
      String token =
          TestTokens.with(
              OWNER, claims -> claims.notBeforeTime(Date.from(Instant.now().plus(ahead))));
      HttpResponse<String> response = api.get("/v1/threads/" + thread, token);
      assertThat(response.statusCode()).as(ahead + ": " + response.body()).isEqualTo(200);
    }
  }

  @Test
  void issuerAndAudienceAreNotCheckedWhenUnset() {
    String token =
        TestTokens.with(OWNER, claims -> claims.issuer("anyone").audience("any-audience"));
    assertThat(api.get("/v1/threads/" + thread, token).statusCode()).isEqualTo(200);
  }

  @Test
  void healthNeedsNoToken() {
    assertThat(api.get("/health", null).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> call(Route route, String token) {
    if (route.method().equals("GET")) {
      return api.get(route.path(), token);
    }
    return api.postJson(route.path(), token, "{\"content\":\"x\"}");
  }
}
