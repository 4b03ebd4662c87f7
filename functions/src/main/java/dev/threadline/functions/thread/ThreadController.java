package dev.threadline.functions.thread;

import dev.threadline.functions.clock.IdGenerator;
import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.input.JsonBody;
import dev.threadline.functions.problem.NotFoundException;
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
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.JsonMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import java.time.Clock;

/** {@code POST /v1/threads} and {@code GET /v1/threads/{threadId}}. */
@Controller("/v1/threads")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ThreadController {

  private final ThreadStore store;
  private final JsonMapper json;
  private final Clock clock;
  private final IdGenerator ids;

  ThreadController(ThreadStore store, JsonMapper json, Clock clock, IdGenerator ids) {
    this.store = store;
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
  ThreadView get(@PathVariable String threadId, Authentication authentication) {
    return read(Inputs.threadId("threadId", threadId), authentication.getName());
  }

  private ThreadView read(ThreadId id, String owner) {
    return store.findThread(id, owner).map(ThreadView::of).orElseThrow(NotFoundException::new);
  }
}
