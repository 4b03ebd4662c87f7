package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockserver.model.HttpError;

/** How the client classifies refusals, broken connections, timeouts and aborts. */
class OpenAiCompletionClientFailureTest extends MockProviderTest {

  @Test
  void unauthorizedIsPermanentWithStatusAndProviderMessageButNeverTheKey() {
    answer(
        response()
            .withStatusCode(401)
            .withHeader("Content-Type", "application/json")
            .withBody(
                "{\"error\":{\"message\":\"Incorrect API key provided: "
                    + KEY
                    + ".\","
                    + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isFalse();
    assertThat(failure.httpStatus()).isEqualTo(401);
    assertThat(failure)
        .hasMessageContaining("401")
        .hasMessageContaining("Incorrect API key provided")
        .hasMessageNotContaining(KEY);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 403, 404, 422})
  void clientErrorsArePermanent(int status) {
    answer(response().withStatusCode(status).withBody("<html>nope</html>"));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isFalse();
    assertThat(failure.httpStatus()).isEqualTo(status);
    assertThat(failure).hasMessageContaining("HTTP " + status).hasMessageContaining("nope");
  }

  @Test
  void tooManyRequestsIsTransientWithRetryAfter() {
    answer(
        response()
            .withStatusCode(429)
            .withHeader("Retry-After", "7")
            .withBody("{\"error\":{\"message\":\"Rate limit reached\"}}"));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
    assertThat(failure).hasMessageContaining("Rate limit reached");
  }

  @Test
  void tooManyRequestsPrefersRetryAfterMs() {
    answer(
        response()
            .withStatusCode(429)
            .withHeader("retry-after-ms", "1500")
            .withHeader("Retry-After", "2"));

    assertThat(failure().retryAfter()).contains(Duration.ofMillis(1500));
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 409, 500, 502, 503})
  void timeoutsConflictsAndServerErrorsAreTransient(int status) {
    answer(response().withStatusCode(status));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure.httpStatus()).isEqualTo(status);
  }

  @Test
  void nonStreamingJsonAnswerIsPermanentAndDoesNotQuoteContent() {
    answer(
        response()
            .withStatusCode(200)
            .withHeader("Content-Type", "application/json")
            .withBody("{\"choices\":[{\"message\":{\"content\":\"private words\"}}]}"));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isFalse();
    assertThat(failure)
        .hasMessageContaining("instead of an event stream")
        .hasMessageNotContaining("private words");
  }

  @Test
  void droppedConnectionIsTransient() {
    provider.when(request().withPath(PATH)).error(HttpError.error().withDropConnection(true));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure.httpStatus()).isZero();
  }

  @Test
  void connectionRefusedIsTransient() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    reconfigure(OpenAiConfiguration.of("http://127.0.0.1:" + closedPort + "/v1", KEY));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure.httpStatus()).isZero();
    assertThat(failure)
        .hasMessageContaining("127.0.0.1:" + closedPort)
        .hasMessageContaining("ConnectException");
  }

  @Test
  void missingResponseHeadersAreTransientAfterTheHeadersTimeout() {
    reconfigure(configuration(KEY, Duration.ofSeconds(5), Duration.ofMillis(300)));
    answer(eventStream("data: [DONE]\n\n").withDelay(TimeUnit.SECONDS, 10));
    long started = System.nanoTime();

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure).hasMessageContaining("no response headers");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void abortWhileWaitingForHeadersThrowsAbortedWithinASecond() {
    answer(eventStream("data: [DONE]\n\n").withDelay(TimeUnit.SECONDS, 10));
    AbortSignal abort = new AbortSignal();
    CompletableFuture<CompletionResult> call =
        CompletableFuture.supplyAsync(() -> client.stream(HELLO, deltas::add, abort));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> provider.retrieveRecordedRequests(request().withPath(PATH)).length == 1);

    long abortedAt = System.nanoTime();
    abort.abort("cancelled by user");

    assertThat(call)
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(CompletionAbortedException.class)
        .withMessage("cancelled by user");
    assertThat(Duration.ofNanos(System.nanoTime() - abortedAt)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void abortBeforeTheCallThrowsAtOnceWithoutSending() {
    answer(eventStream("data: [DONE]\n\n"));
    AbortSignal abort = new AbortSignal();
    abort.abort("shutting down");

    assertThatThrownBy(() -> client.stream(HELLO, deltas::add, abort))
        .isInstanceOf(CompletionAbortedException.class)
        .hasMessage("shutting down");
    assertThat(provider.retrieveRecordedRequests(request().withPath(PATH))).isEmpty();
  }
}
