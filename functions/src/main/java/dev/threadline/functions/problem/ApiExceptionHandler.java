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

/** Maps every {@link ApiException} through the {@link ProblemResponseProcessor}. */
@Singleton
@Produces(Problem.MEDIA_TYPE)
@Requires(classes = {ApiException.class, ExceptionHandler.class})
public class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<?>> {

  private final ErrorResponseProcessor<?> processor;

  public ApiExceptionHandler(ErrorResponseProcessor<?> processor) {
    this.processor = processor;
  }

  @Override
  public HttpResponse<?> handle(HttpRequest request, ApiException exception) {
    MutableHttpResponse<?> response = HttpResponse.status(exception.status());
    if (exception instanceof RetryLaterException later) {
      response.header(HttpHeaders.RETRY_AFTER, Long.toString(later.retryAfterSeconds()));
    }
    return processor.processResponse(
        ErrorContext.builder(request).cause(exception).errorMessage(exception.detail()).build(),
        response);
  }
}
