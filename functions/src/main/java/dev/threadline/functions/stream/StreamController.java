package dev.threadline.functions.stream;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.metrics.FunctionsMetrics;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.http.sse.Event;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** {@code GET /v1/threads/{threadId}/stream}: the live reply over SSE (contract 5). */
@Controller("/v1/threads/{threadId}/stream")
@Secured(SecurityRule.IS_AUTHENTICATED)
class StreamController {

  private final AttachPlanner planner;
  private final ReplyStreamer streamer;
  private final StreamLimits limits;
  private final FunctionsMetrics metrics;

  StreamController(
      AttachPlanner planner,
      ReplyStreamer streamer,
      StreamLimits limits,
      FunctionsMetrics metrics) {
    this.planner = planner;
    this.streamer = streamer;
    this.limits = limits;
    this.metrics = metrics;
  }

  @Get(produces = MediaType.TEXT_EVENT_STREAM)
  // a bearer token in the Authorization header, or a stream token of this thread in ?access_token=
  // (streamtoken.StreamTokenAuthenticationFetcher): a browser's EventSource cannot send headers
  @SecurityRequirement(name = "bearer")
  @SecurityRequirement(name = "streamToken")
  @Operation(
      summary = "Follow the thread's live reply",
      description =
          "Replays the current run from its latest reset when the thread is in progress, then"
              + " follows live; waits for the next run when idle.")
  @ApiResponse(
      responseCode = "200",
      description =
          "Server-Sent Events. The headers and a first comment line go out at once. Each event is `id: <JetStream stream sequence>`, `event: <type>`, `data: <one JSON object>`: `reset` {runId, epoch}: the run (re)started, discard text shown for runId; `chunk` {runId, epoch, index, delta}: index counts from 0 within an epoch; `done` {runId, epoch, messageId, finishReason}: the assistant message is committed; `error` {runId, epoch, message, retryable}: retryable true means a reset with a higher epoch follows; `cancelled` {runId}: terminal. `: ping` comments at least every 15 s while idle. The stream ends after the terminal event of the run it followed unless follow=true. Last-Event-ID resumes after that event.",
      content =
          @Content(mediaType = MediaType.TEXT_EVENT_STREAM, schema = @Schema(type = "string")))
  @ApiResponse(
      responseCode = "400",
      description =
          "threadId outside its pattern, or Last-Event-ID not a decimal integer from 0 to 2^64-1",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ApiResponse(
      responseCode = "401",
      description =
          "missing, expired or badly signed bearer token; a stream token that is expired, for another thread, or in the Authorization header; a bearer token in access_token",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ApiResponse(
      responseCode = "429",
      description =
          "the owner has THREADLINE_MAX_STREAMS_PER_OWNER streams open on this instance; Retry-After says when to try again",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.ThreadNotFound
  @ProblemResponses.Unavailable
  Mono<HttpResponse<Publisher<Event<String>>>> stream(
      @PathVariable String threadId,
      @Parameter(description = "keep the stream open across runs")
          @QueryValue(defaultValue = "false")
          boolean follow,
      @Parameter(description = "resume right after this event id")
          @Nullable
          @Header("Last-Event-ID")
          String lastEventId,
      @Parameter(
              description =
                  "resume right after this event id, for a client that cannot set the"
                      + " Last-Event-ID header (a browser opening a new EventSource with a fresh"
                      + " stream token); the header wins when both are present")
          @Nullable
          @QueryValue("lastEventId")
          String lastEventIdParameter,
      Authentication authentication,
      HttpRequest<?> request) {
    ThreadId thread = Inputs.threadId("threadId", threadId);
    // EventSource's own reconnect sends the header, which is newer than the URL's parameter
    String resumeFrom =
        lastEventId == null || lastEventId.isBlank() ? lastEventIdParameter : lastEventId;
    OptionalLong resumeAfter =
        resumeFrom == null || resumeFrom.isBlank()
            ? OptionalLong.empty()
            : OptionalLong.of(Inputs.lastEventId(resumeFrom));
    // reading the thread's status and the subject's end blocks: on a bounded pool, not on the
    // event loop; the response itself never holds a thread (no @ExecuteOn: an executor there
    // would also get every request(n) of every open stream, and an unbounded pool grows with them)
    // the client's events are pushed through its response on its connection's event loop
    Executor clientLoop =
        request instanceof NettyHttpRequest<?> netty
            ? netty.getChannelHandlerContext().channel().eventLoop()
            : null;
    return Mono.fromCallable(() -> open(thread, follow, resumeAfter, authentication, clientLoop))
        .subscribeOn(Schedulers.boundedElastic());
  }

  private HttpResponse<Publisher<Event<String>>> open(
      ThreadId thread,
      boolean follow,
      OptionalLong resumeAfter,
      Authentication authentication,
      Executor clientLoop) {
    String owner = authentication.getName();
    // the owner's thread or 404, from PostgreSQL; what needs the bus is planned once the stream
    // is open, so a broker that cannot answer now delays the stream instead of refusing it
    planner.requireOwned(thread, owner);
    StreamLimits.Permit permit = limits.acquire(owner);
    Publisher<Event<String>> events;
    try {
      events =
          metrics.attached(
              streamer.stream(
                      thread,
                      () -> planner.plan(thread, owner, resumeAfter),
                      follow,
                      TokenExpiry.of(authentication),
                      clientLoop)
                  .doFinally(signal -> permit.release()));
    } catch (RuntimeException e) {
      permit.release();
      throw e;
    }
    return HttpResponse.ok(events)
        .header(HttpHeaders.CACHE_CONTROL, "no-cache")
        // reverse proxies (nginx) must not buffer the stream
        .header("X-Accel-Buffering", "no");
  }
}
