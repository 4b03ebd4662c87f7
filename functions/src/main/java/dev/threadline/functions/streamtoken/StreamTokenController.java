package dev.threadline.functions.streamtoken;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/**
 * {@code POST /v1/threads/{threadId}/stream-tokens}: a short-lived token that opens this thread's
 * stream from a URL, for clients (a browser's EventSource) that cannot send an Authorization
 * header. Bearer-authenticated; a stream token cannot mint another (BearerOnlyClaims).
 */
@Controller("/v1/threads/{threadId}/stream-tokens")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class StreamTokenController {

  private final ThreadStore store;
  private final StreamTokens tokens;

  StreamTokenController(ThreadStore store, StreamTokens tokens) {
    this.store = store;
    this.tokens = tokens;
  }

  @Post
  @Operation(
      summary = "Mint a stream token for this thread",
      description =
          "For clients that cannot send an Authorization header (a browser's EventSource):"
              + " GET /v1/threads/{threadId}/stream?access_token=<token> accepts it until"
              + " expiresAt (THREADLINE_STREAM_TOKEN_TTL, default 5 minutes). It opens that one"
              + " stream and nothing else; an open stream is not cut when it expires, but a"
              + " reconnect after that needs a fresh token. A bearer token is never accepted in"
              + " a URL.")
  @ApiResponse(
      responseCode = "200",
      description = "the token and when it expires",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = StreamTokenView.class)))
  @ApiResponse(
      responseCode = "400",
      description = "threadId outside its pattern",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ApiResponse(
      responseCode = "401",
      description =
          "missing, expired or badly signed bearer token, or a stream token used as a bearer",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.ThreadNotFound
  @ProblemResponses.Unavailable
  HttpResponse<StreamTokenView> mintStreamToken(
      @PathVariable String threadId, Authentication authentication) {
    ThreadId thread = Inputs.threadId("threadId", threadId);
    String owner = authentication.getName();
    store.findActivity(thread, owner).orElseThrow(NotFoundException::new);
    return HttpResponse.ok(tokens.mint(owner, thread))
        // a credential: no cache may keep it
        .header(HttpHeaders.CACHE_CONTROL, "no-store");
  }
}
