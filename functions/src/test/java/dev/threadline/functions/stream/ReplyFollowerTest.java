package dev.threadline.functions.stream;

import static dev.threadline.functions.stream.ReplyFollower.Verdict.FORWARD;
import static dev.threadline.functions.stream.ReplyFollower.Verdict.FORWARD_AND_END;
import static dev.threadline.functions.stream.ReplyFollower.Verdict.SKIP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.protocol.ReplyEvent;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplyFollowerTest {

  private final UUID run = UUID.randomUUID();
  private final UUID other = UUID.randomUUID();
  private long sequence = 10;

  private ReplyFollower.Verdict offer(ReplyFollower follower, ReplyEvent event) {
    return follower.offer(++sequence, event);
  }

  @Test
  void aFollowedRunNothingOfWhichWasReadBeforeTheNextRunStartedIsEndedFromItsRow() {
    UUID cancelled = UUID.randomUUID();
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(cancelled, 3), false);

    assertThat(follower.offer(2, new ReplyEvent.Reset(other, 1))).as("history").isEqualTo(SKIP);
    assertThat(follower.offer(3, new ReplyEvent.Done(other, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(SKIP);
    assertThat(follower.endsFollowedRun(4, new ReplyEvent.Reset(run, 1)))
        .as("cancelled while queued, or purged before this tail read it: the row tells")
        .isTrue();
    assertThat(follower.offerStoredEnd(new ReplyEvent.Cancelled(cancelled, 0)))
        .isEqualTo(FORWARD_AND_END);
  }

  @Test
  void onceTheFollowedRunWasSeenOtherRunsNeverTakeOver() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), false);

    assertThat(follower.offer(1, new ReplyEvent.Reset(run, 1))).isEqualTo(FORWARD);
    assertThat(follower.offer(2, new ReplyEvent.Reset(other, 1))).isEqualTo(SKIP);
    assertThat(follower.followedRun()).isEqualTo(run);
  }

  @Test
  void theResetOfAnotherRunAfterTheAttachEndsAFollowedRunThatWasSeen() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 3), true);

    assertThat(follower.endsFollowedRun(2, new ReplyEvent.Reset(other, 1)))
        .as("history before the attach")
        .isFalse();
    assertThat(follower.endsFollowedRun(4, new ReplyEvent.Reset(other, 1)))
        .as("nothing of the followed run seen yet: the row tells how it ended")
        .isTrue();
    assertThat(follower.offer(4, new ReplyEvent.Reset(run, 1))).isEqualTo(FORWARD);
    assertThat(follower.endsFollowedRun(5, new ReplyEvent.Chunk(other, 1, 0, "x"))).isFalse();
    assertThat(follower.endsFollowedRun(5, new ReplyEvent.Reset(run, 2)))
        .as("a new epoch of the same run")
        .isFalse();
    assertThat(follower.endsFollowedRun(5, new ReplyEvent.Reset(other, 1))).isTrue();

    assertThat(follower.offerStoredEnd(new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(FORWARD);
    assertThat(follower.endsFollowedRun(5, new ReplyEvent.Reset(other, 1)))
        .as("waiting for the next run: nothing to end")
        .isFalse();
    assertThat(follower.offer(5, new ReplyEvent.Reset(other, 1))).isEqualTo(FORWARD);
    assertThat(follower.followedRun()).isEqualTo(other);
  }

  @Test
  void resumingTheResetOfAnotherRunEndsTheClientsUnfinishedRun() {
    assertThat(
            new ReplyFollower(AttachPlan.resumeAfter(7, run), false)
                .endsFollowedRun(8, new ReplyEvent.Reset(other, 1)))
        .isTrue();
    assertThat(
            new ReplyFollower(AttachPlan.resumeAfter(7, run), false)
                .endsFollowedRun(8, new ReplyEvent.Chunk(run, 1, 3, "x")))
        .isFalse();
    assertThat(
            new ReplyFollower(AttachPlan.resumeAfter(7), false)
                .endsFollowedRun(8, new ReplyEvent.Reset(other, 1)))
        .as("the client's run is not known")
        .isFalse();
  }

  @Test
  void followingARunSkipsOtherRunsAndEndsAfterItsDone() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 1000), false);

    assertThat(offer(follower, new ReplyEvent.Reset(other, 1))).isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Done(other, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Reset(run, 1))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Chunk(run, 1, 0, "a"))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(FORWARD_AND_END);
  }

  @Test
  void waitingForTheNextRunSkipsEverythingBeforeAReset() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.nextRunAfter(5), false);

    assertThat(offer(follower, new ReplyEvent.Chunk(other, 1, 3, "tail"))).isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Done(other, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Reset(run, 1))).isEqualTo(FORWARD);
    assertThat(follower.followedRun()).isEqualTo(run);
    assertThat(offer(follower, new ReplyEvent.Chunk(other, 1, 0, "x"))).isEqualTo(SKIP);
  }

  @Test
  void resumingFollowsTheRunOfTheFirstEventRead() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.resumeAfter(7), false);

    assertThat(offer(follower, new ReplyEvent.Chunk(run, 2, 4, "mid"))).isEqualTo(FORWARD);
    assertThat(follower.followedRun()).isEqualTo(run);
    assertThat(offer(follower, new ReplyEvent.Chunk(run, 1, 5, "stale"))).isEqualTo(SKIP);
  }

  @Test
  void eventsOfAnOlderEpochAreDroppedOnceANewerResetWasSeen() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), false);

    assertThat(offer(follower, new ReplyEvent.Reset(run, 1))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Chunk(run, 1, 0, "a"))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Reset(run, 2))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Chunk(run, 1, 1, "b"))).isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.RunError(run, 1, "boom", false))).isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Reset(run, 1))).isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Chunk(run, 2, 0, "c"))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Done(run, 2, UUID.randomUUID(), "stop")))
        .isEqualTo(FORWARD_AND_END);
  }

  @Test
  void aRetryableErrorDoesNotEndTheStreamButANonRetryableOneDoes() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), false);

    assertThat(offer(follower, new ReplyEvent.RunError(run, 1, "429", true))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Reset(run, 2))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.RunError(run, 2, "400", false)))
        .isEqualTo(FORWARD_AND_END);
  }

  @Test
  void cancelledEndsTheStream() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), false);
    assertThat(offer(follower, new ReplyEvent.Cancelled(run, 1))).isEqualTo(FORWARD_AND_END);
  }

  @Test
  void followingAcrossRunsWaitsForTheNextResetAfterATerminalEvent() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), true);

    assertThat(offer(follower, new ReplyEvent.Reset(run, 1))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(FORWARD);
    assertThat(follower.followedRun()).isNull();
    assertThat(offer(follower, new ReplyEvent.Chunk(other, 1, 0, "no reset yet"))).isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Reset(other, 1))).isEqualTo(FORWARD);
    assertThat(offer(follower, new ReplyEvent.Chunk(other, 1, 0, "x"))).isEqualTo(FORWARD);
  }

  @Test
  void anEndReadFromTheDatabaseEndsTheFollowedRunLikeItsTerminalEvent() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), false);

    assertThat(follower.offerStoredEnd(new ReplyEvent.Cancelled(other, 0))).isEqualTo(SKIP);
    assertThat(follower.offerStoredEnd(new ReplyEvent.RunError(run, 1, "x", true)))
        .as("not an end")
        .isEqualTo(SKIP);
    assertThat(follower.offerStoredEnd(new ReplyEvent.Cancelled(run, 0)))
        .isEqualTo(FORWARD_AND_END);
  }

  @Test
  void followingAcrossRunsAnEndReadFromTheDatabaseWaitsForTheNextRun() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.followRun(run, 0), true);

    assertThat(follower.offerStoredEnd(new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")))
        .isEqualTo(FORWARD);
    assertThat(follower.followedRun()).isNull();
    assertThat(offer(follower, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop")))
        .as("the late real done")
        .isEqualTo(SKIP);
    assertThat(offer(follower, new ReplyEvent.Reset(other, 1))).isEqualTo(FORWARD);
  }

  @Test
  void resumingChecksTheClientsUnfinishedRunUntilAnEventArrives() {
    ReplyFollower follower = new ReplyFollower(AttachPlan.resumeAfter(7, run), false);

    assertThat(follower.followedRun()).isEqualTo(run);
    assertThat(offer(follower, new ReplyEvent.Reset(other, 1))).isEqualTo(FORWARD);
    assertThat(follower.followedRun()).isEqualTo(other);
  }
}
