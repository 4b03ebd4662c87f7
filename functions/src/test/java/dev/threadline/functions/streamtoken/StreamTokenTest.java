package dev.threadline.functions.streamtoken;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.SseClient.SseEvent;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stream tokens: minted by a thread's owner with a bearer token, they open that thread's stream
 * from the URL ({@code ?access_token=}) and nothing else; a bearer token never works in a URL.
 */
@MicronautTest
class StreamTokenTest extends ApiTestBase {

  private static final String OWNER = "frank";
  private static final Duration TTL = Duration.ofMinutes(2);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Inject ReplyEventCodec codec;

  private ReplyPublisher relay;
  private String thread;
  private UUID run;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new java.util.HashMap<>(super.getProperties());
    properties.put("threadline.stream-token.ttl", TTL.toString());
    return properties;
  }

  @BeforeAll
  void aThreadWithARun() {
    relay = new ReplyPublisher(names, codec);
    thread = createThread(OWNER);
    run = submit(OWNER, thread, "mine");
  }

  @AfterAll
  void closeRelay() throws InterruptedException {
    relay.close();
  }

  @Test
  void theOwnerGetsATokenForTheThreadThatExpiresAfterTheConfiguredTtl() throws Exception {
    Instant before = Instant.now();
    HttpResponse<String> response = mintResponse(thread, TestTokens.forOwner(OWNER));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode body = read(response.body());
    Instant expiresAt = Instant.parse(body.get("expiresAt").getStringValue());
    assertThat(expiresAt)
        .isBetween(before.plus(TTL).minusSeconds(2), Instant.now().plus(TTL).plusSeconds(1));
    JWTClaimsSet claims = SignedJWT.parse(body.get("token").getStringValue()).getJWTClaimsSet();
    assertThat(claims.getSubject()).isEqualTo(OWNER);
    assertThat(claims.getAudience()).containsExactly("threadline-stream");
    assertThat(claims.getClaim("thread")).isEqualTo(thread);
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(expiresAt);
  }

  @Test
  void aStreamTokenInTheQueryOpensItsThreadsStreamWithoutAnAuthorizationHeader() {
    String other = createThread(OWNER);
    try (SseClient sse = SseClient.open(api, streamPath(other, mint(other)), null, null)) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(sse.nextLine(WAIT)).isEqualTo(": attached");
      UUID next = UUID.randomUUID();
      long sequence = relay.publish(new ThreadId(other), new ReplyEvent.Reset(next, 1));
      SseEvent reset = sse.nextEvent(WAIT);
      assertThat(reset).isNotNull();
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(reset.id()).isEqualTo(Long.toString(sequence));
    }
  }

  @Test
  void lastEventIdInTheQueryResumesAfterThatEventAndTheHeaderWinsOverIt() {
    ThreadId id = new ThreadId(thread);
    long reset = relay.publish(id, new ReplyEvent.Reset(run, 1));
    long first = relay.publish(id, new ReplyEvent.Chunk(run, 1, 0, "one"));
    long second = relay.publish(id, new ReplyEvent.Chunk(run, 1, 1, "two"));

    try (SseClient sse =
        SseClient.open(
            api, streamPath(thread, mint(thread)) + "&lastEventId=" + reset, null, null)) {
      assertThat(sse.nextEvent(WAIT).id()).isEqualTo(Long.toString(first));
    }
    try (SseClient sse =
        SseClient.open(
            api,
            streamPath(thread, mint(thread)) + "&lastEventId=" + reset,
            null,
            Long.toString(first))) {
      assertThat(sse.nextEvent(WAIT).id())
          .as("the Last-Event-ID header of EventSource's own reconnect is newer than the URL")
          .isEqualTo(Long.toString(second));
    }
  }

  @Test
  void aStreamTokenOpensNoOtherThreadOfTheSameOwner() {
    String other = createThread(OWNER);
    HttpResponse<String> response = bounded(streamPath(other, mint(thread)));
    assertUnauthorized(response);
  }

  @Test
  void aBearerTokenInTheQueryIsRefused() {
    HttpResponse<String> response = bounded(streamPath(thread, TestTokens.forOwner(OWNER)));
    assertUnauthorized(response);
  }

  @Test
  void aStreamTokenIsRefusedAsABearerOnEveryRoute() {
    String streamToken = mint(thread);
    Map<String, Long> before = rowCounts();
    Stream.of(
            "GET /v1/threads/" + thread + "/stream",
            "POST /v1/threads/" + thread + "/stream-tokens",
            "POST /v1/threads",
            "GET /v1/threads/" + thread,
            "POST /v1/threads/" + thread + "/messages",
            "GET /v1/threads/" + thread + "/runs/" + run,
            "POST /v1/threads/" + thread + "/runs/" + run + "/cancel",
            "GET /v1/admin/runs")
        .forEach(route -> assertUnauthorized(call(route, streamToken, null)));
    assertThat(rowCounts()).isEqualTo(before);
  }

  @Test
  void aStreamTokenInTheQueryOfAnyOtherRouteIsIgnored() {
    String streamToken = mint(thread);
    Map<String, Long> before = rowCounts();
    Stream.of(
            "POST /v1/threads/" + thread + "/stream-tokens",
            "GET /v1/threads/" + thread,
            "POST /v1/threads/" + thread + "/messages",
            "GET /v1/threads/" + thread + "/runs/" + run,
            "POST /v1/threads/" + thread + "/runs/" + run + "/cancel")
        .forEach(route -> assertUnauthorized(call(route, null, streamToken)));
    assertThat(rowCounts()).isEqualTo(before);
  }

  static Stream<Arguments> badStreamTokens() {
    Instant inAMinute = Instant.now().plusSeconds(60);
    return Stream.of(
        Arguments.of("expired", TestTokens.SECRET, true, true, Instant.now().minusSeconds(1)),
        Arguments.of(
            "signed with another key",
            "another-secret-of-at-least-32-bytes-long!!",
            true,
            true,
            inAMinute),
        Arguments.of("no stream audience", TestTokens.SECRET, false, true, inAMinute),
        Arguments.of("no thread claim", TestTokens.SECRET, true, false, inAMinute));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badStreamTokens")
  void anExpiredForgedOrIncompleteStreamTokenIs401(
      String why, String secret, boolean audience, boolean threadClaim, Instant expires) {
    try (SseClient wellFormed = SseClient.open(api, streamPath(thread, mint(thread)), null, null)) {
      assertThat(wellFormed.response().statusCode())
          .as("a minted token, for comparison")
          .isEqualTo(200);
    }
    String token = streamToken(secret, OWNER, audience, threadClaim ? thread : null, expires);
    assertUnauthorized(bounded(streamPath(thread, token)));
  }

  @Test
  void anUnsignedStreamTokenIs401() {
    String token =
        new PlainJWT(
                new JWTClaimsSet.Builder()
                    .subject(OWNER)
                    .audience("threadline-stream")
                    .claim("thread", thread)
                    .expirationTime(Date.from(Instant.now().plusSeconds(60)))
                    .build())
            .serialize();
    assertUnauthorized(bounded(streamPath(thread, token)));
  }

  @Test
  void onlyTheOwnerMayMintAndAnotherOwnersThreadLooksMissing() {
    HttpResponse<String> unknownRoute = api.get("/v1/no-such-route", TestTokens.forOwner("grace"));
    HttpResponse<String> stranger = mintResponse(thread, TestTokens.forOwner("grace"));
    assertProblem(stranger, 404, null);
    assertThat(stranger.body()).isEqualTo(unknownRoute.body());
    assertProblem(mintResponse(uniqueId("missing"), TestTokens.forOwner(OWNER)), 404, null);
    assertUnauthorized(mintResponse(thread, null));
    assertProblem(mintResponse("bad.id", TestTokens.forOwner(OWNER)), 400, "threadId");
  }

  private String mint(String threadId) {
    HttpResponse<String> response = mintResponse(threadId, TestTokens.forOwner(OWNER));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return read(response.body()).get("token").getStringValue();
  }

  private HttpResponse<String> mintResponse(String threadId, String bearer) {
    return api.send(
        api.request("/v1/threads/" + threadId + "/stream-tokens", bearer)
            .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
            .build());
  }

  private HttpResponse<String> bounded(String path) {
    return bounded(path, null);
  }

  /**
   * A GET that fails instead of hanging should the server accept the token and keep a stream open.
   */
  private HttpResponse<String> bounded(String path, String bearer) {
    CompletableFuture<HttpResponse<String>> response =
        api.client().sendAsync(api.request(path, bearer).GET().build(), BodyHandlers.ofString());
    try {
      return response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      response.cancel(true);
      throw new AssertionError("GET " + path + " kept a stream open: its token was accepted");
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("GET " + path, e);
    }
  }

  private static String streamPath(String threadId, String accessToken) {
    return "/v1/threads/" + threadId + "/stream?access_token=" + accessToken;
  }

  /** "METHOD /path" with a bearer header and/or an access_token query parameter. */
  private HttpResponse<String> call(String route, String bearer, String accessToken) {
    String[] parts = route.split(" ", 2);
    String path = accessToken == null ? parts[1] : parts[1] + "?access_token=" + accessToken;
    if (parts[0].equals("GET")) {
      return bounded(path, bearer);
    }
    return api.postJson(path, bearer, "{\"content\":\"x\"}");
  }

  private void assertUnauthorized(HttpResponse<String> response) {
    assertProblem(response, 401, null);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
  }

  private static String streamToken(
      String secret, String owner, boolean audience, String threadClaim, Instant expires) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder().subject(owner).expirationTime(Date.from(expires));
    if (audience) {
      claims.audience("threadline-stream");
    }
    if (threadClaim != null) {
      claims.claim("thread", threadClaim);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
