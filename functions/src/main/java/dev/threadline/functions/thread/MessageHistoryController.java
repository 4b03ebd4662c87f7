package dev.threadline.functions.thread;

import dev.threadline.functions.input.Inputs;
import dev.threadline.functions.problem.InvalidRequestException;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.functions.store.MessagePage;
import dev.threadline.functions.store.ThreadDirectory;
import dev.threadline.protocol.ThreadId;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/** {@code GET /v1/threads/{threadId}/messages}: a thread's history, page by page back in time. */
@Controller("/v1/threads/{threadId}/messages")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class MessageHistoryController {

  private final ThreadDirectory directory;

  MessageHistoryController(ThreadDirectory directory) {
    this.directory = directory;
  }

  @Get
  @Operation(
      summary = "Page back through a thread's messages",
      description =
          "The messages just older than the cursor, oldest first. Start from the olderCursor of"
              + " GET /v1/threads/{threadId}; olderCursor null: nothing older remains.")
  @ApiResponse(
      responseCode = "200",
      description = "older messages",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = MessagePageView.class)))
  @ApiResponse(
      responseCode = "400",
      description =
          "threadId outside its pattern, before missing or not a cursor this API issued, limit"
              + " outside 1..100 (detail names it)",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ProblemResponses.ThreadNotFound
  @ProblemResponses.Unavailable
  MessagePageView older(
      @PathVariable String threadId,
      @Parameter(description = "an olderCursor from GET thread or from the previous page")
          @Nullable
          @QueryValue("before")
          String before,
      @Parameter(description = "messages per page, 1 to 100 (default 100)")
          @Nullable
          @QueryValue("limit")
          String limit,
      Authentication authentication) {
    ThreadId id = Inputs.threadId("threadId", threadId);
    if (before == null || before.isEmpty()) {
      throw new InvalidRequestException(
          "before", "required: the olderCursor of GET /v1/threads/{threadId}");
    }
    long beforeSeq = PageCursors.messages("before", before);
    int size = PageLimit.parse("limit", limit, MessagePage.MAX_SIZE, MessagePage.MAX_SIZE);
    return directory
        .olderMessages(id, authentication.getName(), beforeSeq, size)
        .map(MessagePageView::of)
        .orElseThrow(NotFoundException::new);
  }
}
