package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micronaut.serde.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the client copes with the network in the middle of a stream: bytes trickling in, silence,
 * resets, aborts. The provider is a {@link ScriptedProvider} on a raw socket.
 */
class OpenAiCompletionClientStreamingTest {

  private static final CompletionRequest HELLO =
      new CompletionRequest("gpt-test", List.of(new ChatMessage("user", "Hi")));

  private final List<String> deltas = new CopyOnWriteArrayList<>();
  private ScriptedProvider provider;
  private OpenAiCompletionClient client;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void reassemblesEventsSplitAcrossPacketsAtEveryByte() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              exchange.sendByteByByte(chunk("Grüße ") + chunk("😀 ok") + "data: [DONE]\r\n\r\n");
              exchange.endChunkedBody();
            });
    client = clientWith(Duration.ofSeconds(5), Duration.ofSeconds(5));

    CompletionResult result = client.stream(HELLO, deltas::add, new AbortSignal());

    assertThat(deltas).containsExactly("Grüße ", "😀 ok");
    assertThat(result.finishReason()).isEqualTo("stop");
  }

  @Test
  void stalledStreamFailsTransientlySoonAfterTheIdleTimeout() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              exchange.sendChunk(chunk("a") + chunk("b"));
              exchange.stall();
            });
    client = clientWith(Duration.ofMillis(300), Duration.ofSeconds(5));
    long started = System.nanoTime();

    CompletionFailedException failure =
        assertTimeoutPreemptively(
            Duration.ofSeconds(3),
            () ->
                catchThrowableOfType(
                    () -> client.stream(HELLO, deltas::add, new AbortSignal()),
                    CompletionFailedException.class));

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isBetween(Duration.ofMillis(300), Duration.ofMillis(2000));
    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure).hasMessageContaining("stalled").hasMessageContaining("after 2 deltas");
    assertThat(deltas).containsExactly("a", "b");
  }

  @Test
  void streamThatKeepsTalkingOutlivesTheIdleAndHeadersTimeouts() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              for (int i = 0; i < 8; i++) {
                exchange.sendChunk(chunk(Integer.toString(i)));
                TimeUnit.MILLISECONDS.sleep(100); // pacing the mocked provider, not synchronising
              }
              exchange.sendChunk("data: [DONE]\n\n");
              exchange.endChunkedBody();
            });
    client = clientWith(Duration.ofMillis(300), Duration.ofMillis(300));

    client.stream(HELLO, deltas::add, new AbortSignal());

    assertThat(String.join("", deltas)).isEqualTo("01234567");
  }

  @Test
  void connectionResetMidStreamIsTransient() throws Exception {
    CountDownLatch firstDeltaSeen = new CountDownLatch(1);
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              exchange.sendChunk(chunk("a"));
              firstDeltaSeen.await(5, TimeUnit.SECONDS);
              exchange.reset();
            });
    client = clientWith(Duration.ofSeconds(5), Duration.ofSeconds(5));

    CompletionFailedException failure =
        catchThrowableOfType(
            () ->
                client.stream(
                    HELLO,
                    delta -> {
                      deltas.add(delta);
                      firstDeltaSeen.countDown();
                    },
                    new AbortSignal()),
            CompletionFailedException.class);

    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure.httpStatus()).isZero();
    assertThat(failure).hasMessageContaining("after 1 deltas");
  }

  @Test
  void abortWhileStreamingThrowsAbortedWithinASecond() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              exchange.sendChunk(chunk("a"));
              exchange.stall();
            });
    client = clientWith(Duration.ofSeconds(30), Duration.ofSeconds(30));
    AbortSignal abort = new AbortSignal();
    CompletableFuture<CompletionResult> call =
        CompletableFuture.supplyAsync(() -> client.stream(HELLO, deltas::add, abort));
    await().atMost(Duration.ofSeconds(5)).until(() -> deltas.size() == 1);

    long abortedAt = System.nanoTime();
    abort.abort("run taken over");

    assertThat(call)
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(CompletionAbortedException.class)
        .withMessage("run taken over");
    assertThat(Duration.ofNanos(System.nanoTime() - abortedAt)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void abortFromTheSinkStopsTheStreamAtOnce() throws Exception {
    provider =
        ScriptedProvider.start(
            exchange -> {
              exchange.sendEventStreamHeaders();
              exchange.sendChunk(chunk("a") + chunk("b") + chunk("c"));
              exchange.stall();
            });
    client = clientWith(Duration.ofSeconds(30), Duration.ofSeconds(30));
    AbortSignal abort = new AbortSignal();

    CompletionAbortedException aborted =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2),
            () ->
                catchThrowableOfType(
                    () ->
                        client.stream(
                            HELLO,
                            delta -> {
                              deltas.add(delta);
                              abort.abort("cancelled");
                            },
                            abort),
                    CompletionAbortedException.class));

    assertThat(aborted).hasMessage("cancelled");
    assertThat(deltas).containsExactly("a");
  }

  private OpenAiCompletionClient clientWith(Duration idle, Duration headers) {
    OpenAiConfiguration config =
        OpenAiConfiguration.of(provider.baseUrl(), "sk-test")
            .withTimeouts(Duration.ofSeconds(2), idle, headers);
    return new OpenAiCompletionClient(config, ObjectMapper.getDefault());
  }

  private static String chunk(String content) {
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content
        + "\"},\"finish_reason\":null}]}\r\n\r\n";
  }
}
