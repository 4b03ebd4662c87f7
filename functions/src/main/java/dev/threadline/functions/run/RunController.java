package dev.threadline.functions.run;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
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
import java.time.Clock;
import java.util.UUID;
import org.slf4j.MDC;

/** A run's state, and cancelling it. */
@Controller("/v1/threads/{threadId}/runs/{runId}")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class RunController {

  private final ThreadStore store;
  private final Clock clock;

  RunController(ThreadStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Get
  @Operation(summary = "Read a run: status, attempts, epoch, executor, error")
  @ApiResponse(
      responseCode = "200",
      description = "the run",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = RunView.class)))
  @ApiResponse(
      responseCode = "400",
      description = "threadId or runId outside its pattern",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ApiResponse(
      responseCode = "404",
      description = "no such run in this owner's thread",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unavailable
  RunView get(
      @PathVariable String threadId, @PathVariable String runId, Authentication authentication) {
    ThreadId thread = Inputs.threadId("threadId", threadId);
    UUID run = Inputs.runIdOrNull("runId", runId);
    if (run == null) {
      throw new NotFoundException();
    }
    return store
        .findRun(thread, run, authentication.getName())
        .map(RunView::of)
        .orElseThrow(NotFoundException::new);
  }

  /**
   * 202 with the run after the request: a queued run is cancelled at once, a running one is asked
   * to stop (its executor ends it {@code cancelled}); a finished run is left unchanged (still 202,
   * the body shows its final status): cancelling is idempotent.
   */
  @Post("/cancel")
  @Operation(
      summary = "Cancel a run",
      description =
          "A queued run never starts; a running one stops within 1 s and ends cancelled; a"
              + " finished one is left unchanged. Always 202 with the run after the request.")
  @ApiResponse(
      responseCode = "202",
      description = "the run after the request",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = RunView.class)))
  @ApiResponse(
      responseCode = "400",
      description = "threadId or runId outside its pattern",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ApiResponse(
      responseCode = "404",
      description = "no such run in this owner's thread",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unavailable
  HttpResponse<RunView> cancel(
      @PathVariable String threadId, @PathVariable String runId, Authentication authentication) {
    ThreadId thread = Inputs.threadId("threadId", threadId);
    UUID run = Inputs.runIdOrNull("runId", runId);
    if (run == null) {
      throw new NotFoundException();
    }
    try (MDC.MDCCloseable t = MDC.putCloseable("threadId", thread.value());
        MDC.MDCCloseable r = MDC.putCloseable("runId", run.toString())) {
      return store
          .requestCancel(thread, run, authentication.getName(), clock.instant())
          .map(view -> HttpResponse.accepted().body(RunView.of(view)))
          .orElseThrow(NotFoundException::new);
    }
  }
}
