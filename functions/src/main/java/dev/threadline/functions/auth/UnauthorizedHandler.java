package dev.threadline.functions.auth;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.authentication.DefaultAuthorizationExceptionHandler;
import jakarta.inject.Singleton;

/** A missing, expired or badly signed token: 401 problem+json, never a redirect. */
@Singleton
@Replaces(DefaultAuthorizationExceptionHandler.class)
public class UnauthorizedHandler
    implements ExceptionHandler<AuthorizationException, MutableHttpResponse<?>> {

  private final ErrorResponseProcessor<?> processor;

  public UnauthorizedHandler(ErrorResponseProcessor<?> processor) {
    this.processor = processor;
  }

  @Override
  public MutableHttpResponse<?> handle(HttpRequest request, AuthorizationException exception) {
    HttpStatus status = exception.isForbidden() ? HttpStatus.FORBIDDEN : HttpStatus.UNAUTHORIZED;
    MutableHttpResponse<?> response = HttpResponse.status(status);
    if (status == HttpStatus.UNAUTHORIZED) {
      response.header("WWW-Authenticate", "Bearer");
    }
    return processor.processResponse(ErrorContext.builder(request).build(), response);
  }
}
