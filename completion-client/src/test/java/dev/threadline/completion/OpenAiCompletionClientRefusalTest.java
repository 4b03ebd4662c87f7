package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;
import static org.mockserver.model.JsonBody.json;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mockserver.matchers.MatchType;
import org.mockserver.model.HttpRequest;

/**
 * Which refusals are final (a retry would send the same request and meet the same answer) and which
 * are worth a retry, including those that arrive inside a 200 event stream; and the reply's token
 * limit on the wire.
 */
class OpenAiCompletionClientRefusalTest extends MockProviderTest {

  private static String streamError(String type, String code) {
    return "data: {\"error\":{\"message\":\"refused for org-SECRET\",\"type\":\""
        + type
        + "\",\"code\":"
        + code
        + "}}\n\n";
  }

  @Test
  void aContentPolicyErrorInsideTheStreamIsAFinalContentFilterRefusal() {
    answer(
        eventStream(
            chunk("{\"content\":\"Sure\"}", null)
                + streamError("invalid_request_error", "\"content_policy_violation\"")));

    CompletionFailedException failure = failure();

    assertThat(failure.reason()).isEqualTo(FailureReason.CONTENT_FILTERED);
    assertThat(failure.transientFailure()).isFalse();
  }

  @Test
  void anInvalidRequestErrorInsideTheStreamIsFinal() {
    answer(eventStream(streamError("invalid_request_error", "null")));

    CompletionFailedException failure = failure();

    assertThat(failure.reason()).isEqualTo(FailureReason.INVALID_REQUEST);
    assertThat(failure.transientFailure()).isFalse();
  }

  @Test
  void aServerOrRateLimitErrorInsideTheStreamIsStillWorthARetry() {
    answer(eventStream(streamError("server_error", "500")));
    assertThat(failure().reason()).isEqualTo(FailureReason.UNAVAILABLE);

    provider.reset();
    answer(eventStream(streamError("requests", "\"rate_limit_exceeded\"")));
    assertThat(failure().reason()).isEqualTo(FailureReason.RATE_LIMITED);
    assertThat(failure().transientFailure()).isTrue();
  }

  @Test
  void finishReasonContentFilterIsAFinalRefusalEvenAfterSomeText() {
    answer(
        eventStream(
            chunk("{\"content\":\"Here is how\"}", null)
                + chunk("{}", "\"content_filter\"")
                + "data: [DONE]\n\n"));

    CompletionFailedException failure = failure();

    assertThat(failure.reason()).isEqualTo(FailureReason.CONTENT_FILTERED);
    assertThat(failure.transientFailure()).isFalse();
  }

  @Test
  void aContentPolicyRefusalAnsweredWithStatus400IsAContentFilterRefusal() {
    answer(
        response()
            .withStatusCode(400)
            .withHeader("Content-Type", "application/json")
            .withBody(
                "{\"error\":{\"message\":\"Your request was rejected\","
                    + "\"type\":\"invalid_request_error\",\"code\":\"content_policy_violation\"}}"));

    assertThat(failure().reason()).isEqualTo(FailureReason.CONTENT_FILTERED);
  }

  @Test
  void theTokenLimitIsSentOnlyWhenSetInTheConfiguredField() {
    answer(eventStream("data: [DONE]\n\n"));
    client.stream(HELLO, deltas::add, new AbortSignal());
    HttpRequest[] unset = provider.retrieveRecordedRequests(request().withPath(PATH));
    assertThat(unset[0].getBodyAsString())
        .doesNotContain("max_tokens")
        .doesNotContain("max_completion_tokens");

    reconfigure(
        configuration(KEY, Duration.ofSeconds(5), Duration.ofSeconds(5))
            .withMaxTokens(512, "max_completion_tokens"));
    client.stream(HELLO, deltas::add, new AbortSignal());
    provider.verify(
        request()
            .withPath(PATH)
            .withBody(json("{\"max_completion_tokens\": 512}", MatchType.ONLY_MATCHING_FIELDS)));

    reconfigure(
        configuration(KEY, Duration.ofSeconds(5), Duration.ofSeconds(5))
            .withMaxTokens(64, "max_tokens"));
    client.stream(HELLO, deltas::add, new AbortSignal());
    provider.verify(
        request()
            .withPath(PATH)
            .withBody(json("{\"max_tokens\": 64}", MatchType.ONLY_MATCHING_FIELDS)));
    HttpRequest[] all = provider.retrieveRecordedRequests(request().withPath(PATH));
    assertThat(all[2].getBodyAsString()).doesNotContain("max_completion_tokens");
  }
}
