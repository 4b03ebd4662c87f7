package dev.threadline.systemtests;

import static dev.threadline.systemtests.TakeoverAssertions.assertShowsTheStoredMessageOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A takeover within 2 s by any surviving relay (README, How it works: Recovery), measured: the
 * relay streaming a run is SIGKILLed mid-reply again and again (three relays, so two survivors each
 * time; the killed one is restarted with its identity at once and is healthy again before the next
 * kill), and a client attached throughout times the kill to the first {@code reset} of the new
 * epoch and to its first chunk. The restart's JVM start-up competes with the takeover for CPU: the
 * figures are cautious.
 */
@Tag("processes")
@Timeout(300)
class TakeoverTimeTest {

  private static final int KILLS = 20;
  private static final Duration ATTACH = Duration.ofSeconds(10);
  private static final Duration TAKEOVER = Duration.ofSeconds(15);
  private static final Duration RUN = Duration.ofSeconds(90);
  private static final long CONTRACT_MILLIS = 2_000;
  private static final List<String> RELAYS = List.of("relay-1", "relay-2", "relay-3");

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .build();

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack = Stack.builder().functions(1).relays(RELAYS.size()).mock(20, 25).start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  /**
   * One kill: ms from the SIGKILL to the survivor's reset and to its first chunk, at the client.
   */
  private record Sample(String killed, String survivor, long resetMillis, long firstChunkMillis) {}

  private record Watched(String threadId, String runId, SseClient client) {}

  @Test
  void aSurvivorResetsTheRunOfAKilledOwnerWithinTwoSecondsEveryTime() {
    ApiClient api = stack.api(0);
    List<Sample> samples = new ArrayList<>();
    List<Watched> watched = new ArrayList<>();
    try {
      for (int kill = 0; kill < KILLS; kill++) {
        awaitHealthyRelays(RELAYS.size()); // the one killed last time is back: two survivors again
        String thread = api.createThread();
        SseClient client = SseClient.attach(api, thread).awaitAttached(ATTACH);
        String runId =
            api.postMessage(thread, "takeover " + kill + " [chunks=60 delay=25ms]")
                .path("runId")
                .asText();
        watched.add(new Watched(thread, runId, client));
        client.awaitChunks(5, RUN);
        Stack.Instance owner = stack.relay(api.run(thread, runId).path("executorId").asText());

        long killedAt = System.nanoTime();
        owner.process().sigkill();
        stack.launchRelayProcess(owner.name());

        SseEvent reset =
            client.awaitEvent(
                "the reset of epoch 2",
                e -> e.is("reset") && e.json().path("epoch").asLong() > 1,
                TAKEOVER);
        long epoch = reset.json().path("epoch").asLong();
        SseEvent chunk =
            client.awaitEvent(
                "the first chunk of epoch " + epoch,
                e -> e.is("chunk") && e.json().path("epoch").asLong() == epoch,
                TAKEOVER);
        samples.add(
            new Sample(
                owner.name(),
                api.run(thread, runId).path("executorId").asText(),
                (reset.receivedNanos() - killedAt) / 1_000_000,
                (chunk.receivedNanos() - killedAt) / 1_000_000));
      }

      for (Watched w : watched) {
        assertShowsTheStoredMessageOnce(
            w.client().awaitEnd(RUN).events(), api, w.threadId(), w.runId());
      }
      System.out.printf(
          "TAKEOVER after SIGKILL: n=%d %s%n", samples.size(), stats(samples, Sample::resetMillis));
      System.out.printf(
          "TAKEOVER after SIGKILL, to the first chunk of the new epoch: n=%d %s%n",
          samples.size(), stats(samples, Sample::firstChunkMillis));
      samples.forEach(
          s ->
              System.out.printf(
                  "  killed %s, %s took over: reset after %d ms, first chunk after %d ms%n",
                  s.killed(), s.survivor(), s.resetMillis(), s.firstChunkMillis()));
      assertThat(samples)
          .as("survivors that took over")
          .allSatisfy(
              s -> {
                assertThat(s.survivor()).isNotEqualTo(s.killed());
                assertThat(s.resetMillis())
                    .as("ms from SIGKILL to the survivor's reset")
                    .isLessThanOrEqualTo(CONTRACT_MILLIS);
              });
    } finally {
      watched.forEach(w -> w.client().close());
    }
  }

  /**
   * Waits until {@code count} relays answer /health; a relay that has not answered yet is still
   * starting.
   */
  private static void awaitHealthyRelays(int count) {
    await(count + " relays healthy")
        .atMost(Stack.START_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> RELAYS.stream().filter(name -> healthy(stack.relay(name))).count() >= count);
  }

  private static boolean healthy(Stack.Instance relay) {
    if (!relay.process().isAlive()) {
      return false;
    }
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(URI.create(relay.url() + "/health"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String stats(List<Sample> samples, ToLongFunction<Sample> metric) {
    List<Long> sorted =
        samples.stream().map(metric::applyAsLong).sorted(Comparator.naturalOrder()).toList();
    return "median="
        + percentile(sorted, 50)
        + "ms p90="
        + percentile(sorted, 90)
        + "ms max="
        + sorted.get(sorted.size() - 1)
        + "ms min="
        + sorted.get(0)
        + "ms";
  }

  /** Nearest-rank percentile of an ascending list. */
  private static long percentile(List<Long> sorted, int percent) {
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
