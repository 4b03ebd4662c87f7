package dev.threadline.functions.admin;

import dev.threadline.functions.problem.InvalidRequestException;
import dev.threadline.functions.problem.Problem;
import dev.threadline.functions.problem.ProblemResponses;
import dev.threadline.functions.store.RunStatus;
import dev.threadline.functions.store.ThreadStore;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/admin/runs?status=running&limit=100}: which executor holds which run, at which
 * epoch, how fresh its lease is. Across all owners, so only for tokens whose {@code roles} claim
 * holds {@value #ROLE}; any other valid token gets 403.
 */
@Controller("/v1/admin/runs")
@Secured(AdminRunsController.ROLE)
@ExecuteOn(TaskExecutors.BLOCKING)
class AdminRunsController {

  static final String ROLE = "admin";
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final ThreadStore store;

  AdminRunsController(ThreadStore store) {
    this.store = store;
  }

  @Get
  @Operation(
      summary = "Operator view: runs by status across all owners",
      description = "Requires a token whose roles claim contains \"admin\".")
  @ApiResponse(
      responseCode = "200",
      description = "the runs, oldest first",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = AdminRunsPage.class)))
  @ApiResponse(
      responseCode = "400",
      description = "status unknown or limit outside 1..1000",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unauthorized
  @ApiResponse(
      responseCode = "403",
      description = "the token's roles do not contain admin",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ProblemResponses.Unavailable
  AdminRunsPage runs(
      @Parameter(description = "queued, running (default), completed, failed or cancelled")
          @Nullable
          @QueryValue
          String status,
      @Parameter(description = "at most this many runs, 1 to 1000, default 100")
          @Nullable
          @QueryValue
          String limit) {
    RunStatus wanted = status(status);
    int max = limit(limit);
    return new AdminRunsPage(
        wanted.wire(),
        max,
        store.runsByStatus(wanted, max).stream().map(AdminRunView::of).toList());
  }

  private static RunStatus status(String value) {
    if (value == null || value.isBlank()) {
      return RunStatus.RUNNING;
    }
    return Arrays.stream(RunStatus.values())
        .filter(candidate -> candidate.wire().equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                new InvalidRequestException(
                    "status",
                    "must be one of "
                        + Arrays.stream(RunStatus.values())
                            .map(RunStatus::wire)
                            .collect(Collectors.joining(", "))));
  }

  private static int limit(String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT_LIMIT;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 1 && parsed <= MAX_LIMIT) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new InvalidRequestException("limit", "must be an integer from 1 to " + MAX_LIMIT);
  }
}
