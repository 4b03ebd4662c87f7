package dev.threadline.functions.stream;

import dev.threadline.functions.input.Inputs;
import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import java.util.OptionalLong;
import org.reactivestreams.Publisher;

/** {@code GET /v1/threads/{threadId}/stream}: the live reply over SSE (contract 5). */
@Controller("/v1/threads/{threadId}/stream")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class StreamController {

  private final AttachPlanner planner;
  private final ReplyStreamer streamer;

  StreamController(AttachPlanner planner, ReplyStreamer streamer) {
    this.planner = planner;
    this.streamer = streamer;
  }

  @Get(produces = MediaType.TEXT_EVENT_STREAM)
  HttpResponse<Publisher<Event<String>>> stream(
      @PathVariable String threadId,
      @QueryValue(defaultValue = "false") boolean follow,
      @Nullable @Header("Last-Event-ID") String lastEventId,
      Authentication authentication) {
    ThreadId thread = Inputs.threadId("threadId", threadId);
    OptionalLong resumeAfter =
        lastEventId == null || lastEventId.isBlank()
            ? OptionalLong.empty()
            : OptionalLong.of(Inputs.lastEventId(lastEventId));
    AttachPlan plan = planner.plan(thread, authentication.getName(), resumeAfter);
    Publisher<Event<String>> events = streamer.stream(thread, plan, follow);
    return HttpResponse.ok(events)
        .header(HttpHeaders.CACHE_CONTROL, "no-cache")
        // reverse proxies (nginx) must not buffer the stream
        .header("X-Accel-Buffering", "no");
  }
}
