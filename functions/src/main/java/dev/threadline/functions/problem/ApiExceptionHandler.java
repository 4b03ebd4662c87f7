package dev.threadline.functions.problem;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every {@link ApiException} through the {@link ProblemResponseProcessor}. A 5xx is logged
 * here with what failed (credentials masked): its problem body carries only a generic detail.
 */
@Singleton
@Produces(Problem.MEDIA_TYPE)
@Requires(classes = {ApiException.class, ExceptionHandler.class})
public class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<?>> {

  private static final Logger LOG = LoggerFactory.getLogger(ApiExceptionHandler.class);

  private final ErrorResponseProcessor<?> processor;

  public ApiExceptionHandler(ErrorResponseProcessor<?> processor) {
    this.processor = processor;
  }

  @Override
  public HttpResponse<?> handle(HttpRequest request, ApiException exception) {
    if (exception.status().getCode() >= 500) {
      LOG.warn(
          "{} {} answered {}: {}",
          request.getMethod(),
          request.getPath(),
          exception.status().getCode(),
          LogRedaction.describe(exception));
    }
    MutableHttpResponse<?> response = HttpResponse.status(exception.status());
    Duration retryAfter = exception.retryAfter();
    if (retryAfter != null) {
      response.header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, retryAfter.toSeconds())));
    }
    return processor.processResponse(
        ErrorContext.builder(request).cause(exception).errorMessage(exception.detail()).build(),
        response);
  }
}
