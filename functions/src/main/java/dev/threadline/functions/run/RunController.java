package dev.threadline.functions.run;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
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
