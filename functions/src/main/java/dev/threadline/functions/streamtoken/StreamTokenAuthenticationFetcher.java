package dev.threadline.functions.streamtoken;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.AuthenticationFetcher;
import jakarta.inject.Singleton;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;

/**
 * Authenticates {@code GET /v1/threads/{threadId}/stream?access_token=<stream token>}, and nothing
 * else: the token must be a valid stream token minted for exactly that thread. A bearer token in
 * the query is never accepted (it has no stream audience), and bearer authentication reads the
 * Authorization header only, so a URL never carries a long-lived credential.
 */
@Singleton
class StreamTokenAuthenticationFetcher implements AuthenticationFetcher<HttpRequest<?>> {

  static final String PARAMETER = "access_token";
  private static final Pattern STREAM_PATH = Pattern.compile("/v1/threads/([^/]+)/stream");

  private final StreamTokens tokens;

  StreamTokenAuthenticationFetcher(StreamTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Publisher<Authentication> fetchAuthentication(HttpRequest<?> request) {
    if (request.getMethod() != HttpMethod.GET) {
      return Publishers.empty();
    }
    Matcher path = STREAM_PATH.matcher(request.getPath());
    List<String> values = request.getParameters().getAll(PARAMETER);
    if (!path.matches() || values.size() != 1) {
      return Publishers.empty();
    }
    String threadInPath = path.group(1);
    return tokens
        .verify(values.get(0))
        .filter(grant -> grant.threadId().value().equals(threadInPath))
        .<Publisher<Authentication>>map(
            grant ->
                Publishers.just(
                    Authentication.build(
                        grant.owner(),
                        Map.of(
                            StreamTokens.THREAD_CLAIM,
                            grant.threadId().value(),
                            // the stream ends when the token expires, as with a bearer token
                            "exp",
                            Date.from(grant.expiresAt())))))
        .orElseGet(Publishers::empty);
  }
}
