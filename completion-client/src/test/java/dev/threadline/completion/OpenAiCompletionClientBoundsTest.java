package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every call is bounded: a total deadline that keep-alives cannot extend, and a reply size past
 * which the stream is abandoned. The provider streams forever ({@link ScriptedProvider}: MockServer
 * can only send a body that ends).
 */
class OpenAiCompletionClientBoundsTest {

  private static final List<ChatMessage> HI = List.of(new ChatMessage("user", "Hi"));

  private final List<String> deltas = new CopyOnWriteArrayList<>();
  private ScriptedProvider provider;
  private OpenAiCompletionClient client;

  @AfterEach
  void stop() throws Exception {
    client.close();
    provider.close();
  }

  @Test
  void endlessKeepAlivesAndEmptyDeltasFailTheCallAsTimedOutAtItsDeadline() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              exchange.sendChunk(chunk("partial"));
              while (true) {
                exchange.sendChunk(": keep-alive\n\n" + chunk(""));
                TimeUnit.MILLISECONDS.sleep(50); // pacing the mocked provider
              }
            });
    client = clientWith(Duration.ofMillis(400));
    long started = System.nanoTime();

    CompletionFailedException failure =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () ->
                catchThrowableOfType(
                    () ->
                        client.stream(
                            new CompletionRequest("m", HI, Duration.ofMillis(1200), 1000),
                            deltas::add,
                            new AbortSignal()),
                    CompletionFailedException.class));

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isBetween(Duration.ofMillis(1200), Duration.ofMillis(3000));
    assertThat(failure.reason()).isEqualTo(FailureReason.TIMED_OUT);
    assertThat(failure.transientFailure()).isTrue();
    assertThat(deltas).containsExactly("partial");
  }

  @Test
  void theDeadlineAlsoBoundsTheWaitForResponseHeaders() throws Exception {
    provider = ScriptedProvider.start(ScriptedProvider.Exchange::stall);
    client = clientWith(Duration.ofSeconds(30));

    CompletionFailedException failure =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () ->
                catchThrowableOfType(
                    () ->
                        client.stream(
                            new CompletionRequest("m", HI, Duration.ofMillis(500), 1000),
                            deltas::add,
                            new AbortSignal()),
                    CompletionFailedException.class));

    assertThat(failure.reason()).isEqualTo(FailureReason.TIMED_OUT);
  }

  @Test
  void endlessContentCompletesWithFinishReasonLengthAtTheReplyCap() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              while (true) {
                exchange.sendChunk(chunk("abcdefgh😀"));
              }
            });
    client = clientWith(Duration.ofSeconds(5));

    CompletionResult result =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () ->
                client.stream(
                    new CompletionRequest("m", HI, Duration.ofSeconds(30), 29),
                    deltas::add,
                    new AbortSignal()));

    assertThat(result.finishReason()).isEqualTo("length");
    // 10 chars a delta (the emoji is two): the third is cut before its emoji, never inside it
    assertThat(String.join("", deltas)).isEqualTo("abcdefgh😀abcdefgh😀abcdefgh");
  }

  private OpenAiCompletionClient clientWith(Duration idle) {
    OpenAiConfiguration config =
        OpenAiConfiguration.of(provider.baseUrl(), "sk-test")
            .withTimeouts(Duration.ofSeconds(2), idle, Duration.ofSeconds(30));
    return new OpenAiCompletionClient(config, ObjectMapper.getDefault());
  }

  private static String chunk(String content) {
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content
        + "\"},\"finish_reason\":null}]}\n\n";
  }
}
