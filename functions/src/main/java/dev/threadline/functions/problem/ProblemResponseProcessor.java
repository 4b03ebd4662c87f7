package dev.threadline.functions.problem;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

/**
 * The one place that turns an error into a problem+json body: our own {@link ApiException}s and
 * every framework error (unknown route, 401, 413, 415, conversion errors) alike.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
public class ProblemResponseProcessor implements ErrorResponseProcessor<Problem> {

  @Override
  public MutableHttpResponse<Problem> processResponse(
      ErrorContext context, MutableHttpResponse<?> response) {
    Problem problem = problemFor(context, response.getStatus());
    return response.body(problem).contentType(Problem.MEDIA_TYPE);
  }

  static Problem problemFor(ErrorContext context, HttpStatus status) {
    if (context.getRootCause().orElse(null) instanceof ApiException api) {
      return new Problem(api.type(), status.getReason(), status.getCode(), api.detail());
    }
    String type = ProblemTypes.GENERIC;
    String detail;
    switch (status) {
      case NOT_FOUND -> {
        type = ProblemTypes.NOT_FOUND;
        detail = ProblemTypes.NOT_FOUND_DETAIL;
      }
      case UNAUTHORIZED -> {
        type = ProblemTypes.UNAUTHORIZED;
        detail =
            "Authorization: a bearer JWT is required: HS256, exp in the future, nbf reached, a"
                + " non-empty sub (and the configured iss and aud)";
      }
      case FORBIDDEN -> {
        type = ProblemTypes.FORBIDDEN;
        detail = "Authorization: the token's roles do not allow this request";
      }
      case REQUEST_ENTITY_TOO_LARGE -> detail = "body: larger than 65536 bytes";
      case UNSUPPORTED_MEDIA_TYPE -> detail = "Content-Type: must be application/json";
      case METHOD_NOT_ALLOWED -> detail = "method not allowed on this resource";
      case BAD_REQUEST -> {
        type = ProblemTypes.INVALID_REQUEST;
        detail = firstMessage(context, "request: malformed");
      }
      default ->
          detail =
              status.getCode() >= 500
                  ? "internal error"
                  : firstMessage(context, status.getReason());
    }
    return new Problem(type, status.getReason(), status.getCode(), detail);
  }

  private static String firstMessage(ErrorContext context, String fallback) {
    return context.getErrors().stream().map(Error::getMessage).findFirst().orElse(fallback);
  }
}
