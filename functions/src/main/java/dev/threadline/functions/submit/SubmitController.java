package dev.threadline.functions.submit;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.input.JsonBody;
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
import java.util.UUID;
import org.slf4j.MDC;

/** {@code POST /v1/threads/{threadId}/messages}: 202 with the queued run. */
@Controller("/v1/threads/{threadId}/messages")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class SubmitController {

  private final RunSubmitter submitter;
  private final JsonMapper json;

  SubmitController(RunSubmitter submitter, JsonMapper json) {
    this.submitter = submitter;
    this.json = json;
  }

  @Post
  @Consumes(MediaType.APPLICATION_JSON)
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
      UUID runId = submitter.submit(thread, authentication.getName(), content, model, key, retryable);
      return HttpResponse.accepted().body(SubmitAccepted.queued(runId, thread.value()));
    }
  }
}
