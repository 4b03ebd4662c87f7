package dev.threadline.functions.thread;

import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.functions.store.ThreadDirectory;
import dev.threadline.functions.store.ThreadListPosition;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
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

/** {@code GET /v1/threads}: the owner's threads, most recently active first. */
@Controller("/v1/threads")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ThreadListController {

  static final int DEFAULT_LIMIT = 20;

  private final ThreadDirectory directory;

  ThreadListController(ThreadDirectory directory) {
    this.directory = directory;
  }

  @Get
  @Operation(
      summary = "List the caller's threads, most recently active first",
      description =
          "Active: the thread's last message or run status change. Keyset paging: nextCursor"
              + " continues after the last thread of this page (null on the last page); threads"
              + " that become active meanwhile move to the top and are not repeated.")
  @ApiResponse(
      responseCode = "200",
      description = "a page of threads",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = ThreadListView.class)))
  @ApiResponse(
      responseCode = "400",
      description = "limit outside 1..100, or a cursor this API did not issue (detail names it)",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ProblemResponses.Unavailable
  ThreadListView list(
      @Parameter(description = "threads per page, 1 to 100 (default 20)")
          @Nullable
          @QueryValue("limit")
          String limit,
      @Parameter(description = "the nextCursor of the previous page")
          @Nullable
          @QueryValue("cursor")
          String cursor,
      Authentication authentication) {
    int size = PageLimit.parse("limit", limit, DEFAULT_LIMIT, ThreadDirectory.MAX_PAGE);
    ThreadListPosition after =
        cursor == null || cursor.isEmpty() ? null : PageCursors.threads("cursor", cursor);
    return ThreadListView.of(directory.listThreads(authentication.getName(), after, size));
  }
}
