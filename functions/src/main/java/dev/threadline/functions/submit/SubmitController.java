package dev.threadline.functions.submit;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.input.JsonBody;
import dev.threadline.functions.metrics.FunctionsMetrics;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
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
import java.util.UUID;
import org.slf4j.MDC;

/** {@code POST /v1/threads/{threadId}/messages}: 202 with the queued run. */
@Controller("/v1/threads/{threadId}/messages")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class SubmitController {

  private final RunSubmitter submitter;
  private final JsonMapper json;
  private final FunctionsMetrics metrics;

  SubmitController(RunSubmitter submitter, JsonMapper json, FunctionsMetrics metrics) {
    this.submitter = submitter;
    this.json = json;
    this.metrics = metrics;
  }

  @Post
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Submit a user message: queues a run",
      description =
          "Runs of one thread execute one at a time, in submission order. A repeated"
              + " Idempotency-Key with the same body returns the first run; with another body"
              + " it is refused (422). A model must be one of THREADLINE_MODELS.")
  @RequestBody(
      required = true,
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = SubmitRequest.class)))
  @ApiResponse(
      responseCode = "202",
      description = "the queued run",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = SubmitAccepted.class)))
  @ApiResponse(
      responseCode = "400",
      description =
          "malformed JSON, a wrong type, empty or over-long content, a control character, a model outside THREADLINE_MODELS, a bad Idempotency-Key (detail names the field)",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ProblemResponses.ThreadNotFound
  @ProblemResponses.JsonBodyRejected
  @ApiResponse(
      responseCode = "422",
      description = "the Idempotency-Key was used on this thread for another request",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ApiResponse(
      responseCode = "429",
      description =
          "the owner already has THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER queued or running runs"
              + " (Retry-After)",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unavailable
  HttpResponse<SubmitAccepted> submit(
      @PathVariable String threadId,
      @Body @Nullable byte[] body,
      @Nullable @Header("Idempotency-Key") String idempotencyKey,
      Authentication authentication) {
    ThreadId thread = Inputs.threadId("threadId", threadId);
    JsonBody request = JsonBody.parse(json, body);
    String content = Inputs.content(request.requiredString("content"));
    String model = request.optionalString("model").map(Inputs::model).orElse(null);
    boolean retryable = request.optionalBoolean("retryable").orElse(true);
    String key = Inputs.idempotencyKey(idempotencyKey);
    try (MDC.MDCCloseable ignored = MDC.putCloseable("threadId", thread.value())) {
      UUID runId =
          metrics.timeSubmit(
              () ->
                  submitter.submit(
                      thread, authentication.getName(), content, model, key, retryable));
      return HttpResponse.accepted().body(SubmitAccepted.queued(runId, thread.value()));
    }
  }
}
