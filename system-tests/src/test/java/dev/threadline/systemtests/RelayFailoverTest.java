package dev.threadline.systemtests;

import static dev.threadline.systemtests.TakeoverAssertions.assertShowsTheStoredMessageOnce;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README, How it works (Recovery) from outside: the relay working a run dies or freezes mid-reply;
 * the survivor finishes it, and a client attached throughout still shows exactly the stored
 * message, with no chunk of the dead owner's epoch after the survivor's reset.
 */
@Tag("processes")
@Timeout(300)
class RelayFailoverTest {

  private static final Duration ATTACH = Duration.ofSeconds(10);
  private static final Duration RUN = Duration.ofSeconds(90);

  private static Stack stack;

  @BeforeAll
  static void startStack() {
    stack = Stack.builder().functions(1).relays(2).mock(20, 25).start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aSurvivorFinishesTheRunOfARelayKilledMidReplyWithinTwoSeconds() {
    ApiClient api = stack.api(0);
    String thread = api.createThread();
    try (SseClient client = SseClient.attach(api, thread).awaitAttached(ATTACH)) {
      String runId =
          api.postMessage(thread, "survive a crash [chunks=80 delay=50ms]").path("runId").asText();
      client.awaitChunks(10, RUN);
      Stack.Instance owner = stack.relay(api.run(thread, runId).path("executorId").asText());

      owner.process().sigkill();
      long killedAt = System.nanoTime();

      SseEvent takeover =
          client.awaitEvent(
              "a reset of a newer epoch",
              e -> e.is("reset") && e.json().path("epoch").asLong() > 1,
              Duration.ofSeconds(15));
      long takeoverMillis = (takeover.receivedNanos() - killedAt) / 1_000_000;
      System.out.printf(
          "SIGKILL of %s to the survivor's reset: %d ms%n", owner.name(), takeoverMillis);
      client.awaitEnd(RUN);

      assertShowsTheStoredMessageOnce(client.events(), api, thread, runId);
      assertThat(takeoverMillis).as("ms from SIGKILL to the survivor's reset").isLessThan(3_000);
    } finally {
      restartMissingRelays();
    }
  }

  @Test
  void aRelayStoppedWithSigtermHandsItsRunToTheSurvivorAtOnce() {
    ApiClient api = stack.api(0);
    String thread = api.createThread();
    try (SseClient client = SseClient.attach(api, thread).awaitAttached(ATTACH)) {
      String runId =
          api.postMessage(thread, "survive a deploy [chunks=80 delay=50ms]").path("runId").asText();
      client.awaitChunks(10, RUN);
      Stack.Instance owner = stack.relay(api.run(thread, runId).path("executorId").asText());

      owner.process().sigterm();
      long terminatedAt = System.nanoTime();

      SseEvent takeover =
          client.awaitEvent(
              "a reset of a newer epoch",
              e -> e.is("reset") && e.json().path("epoch").asLong() > 1,
              Duration.ofSeconds(15));
      long takeoverMillis = (takeover.receivedNanos() - terminatedAt) / 1_000_000;
      System.out.printf(
          "SIGTERM of %s to the survivor's reset: %d ms%n", owner.name(), takeoverMillis);
      client.awaitEnd(RUN);

      assertShowsTheStoredMessageOnce(client.events(), api, thread, runId);
      assertThat(owner.process().awaitExit(Duration.ofSeconds(20)))
          .as("exit code after SIGTERM")
          .isIn(0, 143);
      assertThat(takeoverMillis).as("ms from SIGTERM to the survivor's reset").isLessThan(3_000);
    } finally {
      restartMissingRelays();
    }
  }

  @Test
  void aRelayKilledAndRestartedWithItsIdentityFinishesItsOwnRun() {
    ApiClient api = stack.api(0);
    String thread = api.createThread();
    Stack.Instance survivor = null;
    try (SseClient client = SseClient.attach(api, thread).awaitAttached(ATTACH)) {
      String runId =
          api.postMessage(thread, "survive a restart [chunks=60 delay=50ms]")
              .path("runId")
              .asText();
      client.awaitChunks(10, RUN);
      Stack.Instance owner = stack.relay(api.run(thread, runId).path("executorId").asText());
      survivor = stack.relay(owner.name().equals("relay-1") ? "relay-2" : "relay-1");
      survivor.process().sigstop(); // only the owner's restart can finish the run now

      owner.process().sigkill();
      stack.startRelay(owner.name());
      client.awaitEvent(
          "a reset of a newer epoch",
          e -> e.is("reset") && e.json().path("epoch").asLong() > 1,
          Duration.ofSeconds(30));
      client.awaitEnd(RUN);

      assertShowsTheStoredMessageOnce(client.events(), api, thread, runId);
      assertThat(api.run(thread, runId).path("executorId").asText()).isEqualTo(owner.name());
    } finally {
      if (survivor != null) {
        survivor.process().sigcont();
      }
      restartMissingRelays();
    }
  }

  @Test
  void aFrozenOwnerLosesItsRunAndCannotPublishAfterItThaws() {
    ApiClient api = stack.api(0);
    String thread = api.createThread();
    Stack.Instance owner = null;
    try (SseClient client = SseClient.attach(api, thread).awaitAttached(ATTACH)) {
      String runId =
          api.postMessage(thread, "survive a freeze [chunks=200 delay=50ms]")
              .path("runId")
              .asText();
      client.awaitChunks(10, RUN);
      owner = stack.relay(api.run(thread, runId).path("executorId").asText());

      owner.process().sigstop();
      long stoppedAt = System.nanoTime();
      SseEvent takeover =
          client.awaitEvent(
              "a reset of a newer epoch",
              e -> e.is("reset") && e.json().path("epoch").asLong() > 1,
              Duration.ofSeconds(25));
      System.out.printf(
          "SIGSTOP of %s to the survivor's reset: %d ms%n",
          owner.name(), (takeover.receivedNanos() - stoppedAt) / 1_000_000);
      owner.process().sigcont();
      client.awaitEnd(RUN);

      assertShowsTheStoredMessageOnce(client.events(), api, thread, runId);
      assertThat(api.run(thread, runId).path("status").asText()).isEqualTo("completed");
    } finally {
      if (owner != null) {
        owner.process().sigcont();
      }
    }
  }

  /** Brings a killed relay back with the same identity, so the next test again has two. */
  private static void restartMissingRelays() {
    for (String executorId : List.of("relay-1", "relay-2")) {
      if (!stack.relay(executorId).process().isAlive()) {
        stack.startRelay(executorId);
      }
    }
  }
}
