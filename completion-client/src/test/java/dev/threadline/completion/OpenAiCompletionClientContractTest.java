package dev.threadline.completion;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.JsonBody.json;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.mockserver.matchers.MatchType;
import org.mockserver.model.HttpRequest;
import org.mockserver.verify.VerificationTimes;
import org.slf4j.LoggerFactory;

/** The OpenAI wire contract: what is sent, and how a healthy stream is read. */
class OpenAiCompletionClientContractTest extends MockProviderTest {

  @Test
  void sendsModelHistoryStreamFlagAndBearerToken() {
    answer(eventStream("data: [DONE]\n\n"));

    client.stream(HELLO, deltas::add, new AbortSignal());

    provider.verify(
        request()
            .withMethod("POST")
            .withPath(PATH)
            .withHeader("Authorization", "Bearer " + KEY)
            .withHeader("Content-Type", "application/json")
            .withHeader("Accept", "text/event-stream")
            .withBody(
                json(
                    """
                    {"model": "gpt-test",
                     "messages": [{"role": "user", "content": "Hi"},
                                  {"role": "assistant", "content": "Hello! How can I help?"},
                                  {"role": "user", "content": "Say \\"ok\\" ✓"}],
                     "stream": true,
                     "stream_options": {"include_usage": true}}
                    """,
                    MatchType.STRICT)),
        VerificationTimes.exactly(1));
  }

  @Test
  void sendsNoAuthorizationHeaderWhenNoKeyIsConfigured() {
    reconfigure(configuration(null, Duration.ofSeconds(5), Duration.ofSeconds(5)));
    answer(eventStream("data: [DONE]\n\n"));

    client.stream(HELLO, deltas::add, new AbortSignal());

    HttpRequest[] recorded = provider.retrieveRecordedRequests(request().withPath(PATH));
    assertThat(recorded).hasSize(1);
    assertThat(recorded[0].containsHeader("Authorization")).isFalse();
  }

  @Test
  void asksForTheConfiguredModelWhenTheRequestNamesNone() {
    answer(eventStream("data: [DONE]\n\n"));

    client.stream(new CompletionRequest(" ", HELLO.messages()), deltas::add, new AbortSignal());

    provider.verify(
        request()
            .withPath(PATH)
            .withBody(json("{\"model\": \"gpt-4o-mini\"}", MatchType.ONLY_MATCHING_FIELDS)));
  }

  @Test
  void deliversNonEmptyDeltasInOrderAndReportsFinishReasonAndUsage() {
    answer(
        eventStream(
            ": OPENROUTER PROCESSING\n\n"
                + chunk("{\"role\":\"assistant\",\"content\":\"\"}", null)
                + chunk("{\"content\":\"Hel\"}", null)
                + "data:{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo, \"},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
                + chunk("{\"content\":null}", null)
                + chunk("{\"content\":\"wörld 😀\"}", null)
                + chunk("{}", "\"length\"")
                + "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
                + "\"completion_tokens\":4,\"total_tokens\":16}}\n\n"
                + "data: [DONE]\n\n"));

    CompletionResult result = client.stream(HELLO, deltas::add, new AbortSignal());

    assertThat(deltas).containsExactly("Hel", "lo, ", "wörld 😀");
    assertThat(result).isEqualTo(new CompletionResult("length", 12, 4));
  }

  @Test
  void reportsStopAndUnknownTokenCountsWhenTheProviderSendsNeither() {
    answer(eventStream(chunk("{\"content\":\"a\"}", null) + "data: [DONE]\n\n"));

    assertThat(client.stream(HELLO, deltas::add, new AbortSignal()))
        .isEqualTo(new CompletionResult("stop", -1, -1));
  }

  @Test
  void treatsEndOfStreamAfterAFinishReasonAsComplete() {
    answer(eventStream(chunk("{\"content\":\"a\"}", null) + chunk("{}", "\"stop\"")));

    assertThat(client.stream(HELLO, deltas::add, new AbortSignal()).finishReason())
        .isEqualTo("stop");
    assertThat(deltas).containsExactly("a");
  }

  @Test
  void streamEndingBeforeDoneAndFinishReasonIsTransient() {
    answer(eventStream(chunk("{\"content\":\"a\"}", null) + chunk("{\"content\":\"b\"}", null)));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure).hasMessageContaining("stream cut after 2 deltas");
    assertThat(deltas).containsExactly("a", "b");
  }

  @Test
  void malformedEventIsTransientAndDoesNotQuoteContent() {
    answer(
        eventStream(
            chunk("{\"content\":\"a\"}", null) + "data: {\"choices\":[{\"delta\":secret\n\n"));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure).hasMessageContaining("malformed").hasMessageNotContaining("secret");
  }

  @Test
  void errorInsideTheStreamIsTransientWithTheProvidersMessage() {
    answer(
        eventStream(
            "data: {\"error\":{\"message\":\"The server had an"
                + " error\",\"type\":\"server_error\"}}\n\n"));

    CompletionFailedException failure = failure();

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure).hasMessageContaining("The server had an error");
  }

  @Test
  void logsModelStatusAndDeltaCountButNeverTheKeyOrContent() {
    Logger logger = (Logger) LoggerFactory.getLogger(OpenAiCompletionClient.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      answer(
          eventStream(chunk("{\"content\":\"private words\"}", "\"stop\"") + "data: [DONE]\n\n"));

      client.stream(HELLO, deltas::add, new AbortSignal());
    } finally {
      logger.detachAppender(logged);
    }

    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .contains("model=gpt-test", "status=200", "deltas=1")
        .doesNotContain(KEY, "private words", "Hi");
  }
}
