package dev.threadline.lambda;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Refuses {@code GET /v1/threads/{id}/stream} on Lambda with a 421 problem: a buffered Lambda
 * response would hold the whole live reply until the run ends (or the function times out) and hand
 * it over at once, which is no stream. The SSE stream runs on the functions container (README "AWS
 * Lambda"); a client opens it there, with the same token or a stream token minted here.
 */
@ServerFilter("/v1/threads/*/stream")
public class StreamElsewhereFilter {

  static final String PROBLEM =
      "{\"type\":\"about:blank\",\"title\":\"Misdirected Request\",\"status\":421,"
          + "\"detail\":\"the reply stream is not served by this Lambda function: open"
          + " GET /v1/threads/{threadId}/stream on the functions container\"}";

  @RequestFilter
  public MutableHttpResponse<String> refuse(HttpRequest<?> request) {
    return HttpResponse.<String>status(HttpStatus.MISDIRECTED_REQUEST)
        .contentType("application/problem+json")
        .body(PROBLEM);
  }
}
