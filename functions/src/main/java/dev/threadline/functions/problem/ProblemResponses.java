package dev.threadline.functions.problem;

import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The problem responses most operations share, written once for the OpenAPI document: put one on an
 * operation instead of repeating its {@code @ApiResponse}. Operation-specific problems (a 400
 * naming its fields, a 401 that mentions stream tokens) stay on the operation.
 */
public final class ProblemResponses {

  private ProblemResponses() {}

  /** 401: no usable bearer token. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ApiResponse(
      responseCode = "401",
      description = "missing, expired or badly signed bearer token",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  public @interface Unauthorized {}

  /** 404: the thread is not the caller's (another owner's thread looks the same). */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ApiResponse(
      responseCode = "404",
      description = "no such thread for this owner (another owner's thread looks the same)",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  public @interface ThreadNotFound {}

  /** 413 and 415: a JSON body that is too large or not JSON. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ApiResponse(
      responseCode = "413",
      description = "body over 65536 bytes",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  @ApiResponse(
      responseCode = "415",
      description = "Content-Type is not application/json",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  public @interface JsonBodyRejected {}

  /** 503: PostgreSQL or NATS does not answer. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ApiResponse(
      responseCode = "503",
      description = "PostgreSQL or NATS unavailable",
      content =
          @Content(
              mediaType = Problem.MEDIA_TYPE,
              schema = @Schema(implementation = Problem.class)))
  public @interface Unavailable {}
}
