package dev.threadline.functions.thread;

import dev.threadline.functions.clock.IdGenerator;
import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.input.JsonBody;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.functions.problem.ThreadIdTakenException;
import dev.threadline.functions.store.CreateOutcome;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.json.JsonMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Clock;
import org.slf4j.MDC;

/**
 * {@code POST /v1/threads}, {@code GET /v1/threads/{threadId}} and {@code DELETE
 * /v1/threads/{threadId}}.
 */
@Controller("/v1/threads")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ThreadController {

  private final ThreadStore store;
  private final ThreadDeletion deletion;
  private final JsonMapper json;
  private final Clock clock;
  private final IdGenerator ids;

  ThreadController(
      ThreadStore store, ThreadDeletion deletion, JsonMapper json, Clock clock, IdGenerator ids) {
    this.store = store;
    this.deletion = deletion;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
  }

  /**
   * 201 with the new thread; 200 with the thread unchanged when the caller already owns that id;
   * 409 when another owner does.
   */
  @Post
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Create a thread (idempotent per owner and id)")
  @RequestBody(
      required = false,
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = CreateThreadRequest.class)))
  @ApiResponse(
      responseCode = "201",
      description = "the new thread",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = ThreadView.class)))
  @ApiResponse(
      responseCode = "200",
      description = "the caller already owns this id: the thread, unchanged",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = ThreadView.class)))
  @ApiResponse(
      responseCode = "400",
      description =
          "malformed JSON, a wrong type, an id outside its pattern, an over-long title (detail names the field)",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ApiResponse(
      responseCode = "409",
      description = "another owner uses this id",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.JsonBodyRejected
  @ProblemResponses.Unavailable
  HttpResponse<ThreadView> create(@Body @Nullable byte[] body, Authentication authentication) {
    JsonBody request = JsonBody.parse(json, body);
    ThreadId id =
        request
            .optionalString("id")
            .map(value -> Inputs.threadId("id", value))
            .orElseGet(() -> new ThreadId(ids.newId().toString()));
    String title = request.optionalString("title").map(Inputs::title).orElse(null);
    String owner = authentication.getName();
    CreateOutcome outcome = store.createThread(id, owner, title, clock.instant());
    if (outcome instanceof CreateOutcome.TakenByOther) {
      throw new ThreadIdTakenException();
    }
    HttpStatus status =
        outcome instanceof CreateOutcome.Created ? HttpStatus.CREATED : HttpStatus.OK;
    return HttpResponse.<ThreadView>status(status).body(read(id, owner));
  }

  @Get("/{threadId}")
  @Operation(
      summary = "Read a thread: status, active run, its newest messages",
      description =
          "At most the newest 100 messages, oldest first; olderCursor pages back through"
              + " GET /v1/threads/{threadId}/messages?before=, null when nothing is older.")
  @ApiResponse(
      responseCode = "200",
      description = "the thread",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = ThreadView.class)))
  @ApiResponse(
      responseCode = "400",
      description = "threadId outside its pattern",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ProblemResponses.ThreadNotFound
  @ProblemResponses.Unavailable
  ThreadView get(@PathVariable String threadId, Authentication authentication) {
    return read(Inputs.threadId("threadId", threadId), authentication.getName());
  }

  /** 204; the thread, its messages and runs are gone, its open streams end. */
  @Delete("/{threadId}")
  @Status(HttpStatus.NO_CONTENT)
  @Operation(
      summary = "Delete a thread",
      description =
          "Stops its running run (within 1 s) and drops its queued ones, deletes its messages and"
              + " runs, purges its reply subject and ends the streams open on it. Deleting it"
              + " again: 404.")
  @ApiResponse(responseCode = "204", description = "deleted")
  @ApiResponse(
      responseCode = "400",
      description = "threadId outside its pattern",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ProblemResponses.ThreadNotFound
  @ProblemResponses.Unavailable
  void delete(@PathVariable String threadId, Authentication authentication) {
    ThreadId id = Inputs.threadId("threadId", threadId);
    try (MDC.MDCCloseable ignored = MDC.putCloseable("threadId", id.value())) {
      if (!deletion.delete(id, authentication.getName())) {
        throw new NotFoundException();
      }
    }
  }

  private ThreadView read(ThreadId id, String owner) {
    return store.findThread(id, owner).map(ThreadView::of).orElseThrow(NotFoundException::new);
  }
}
