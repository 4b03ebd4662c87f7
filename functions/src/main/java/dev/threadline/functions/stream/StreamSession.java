package dev.threadline.functions.stream;

import dev.threadline.functions.store.RunState;
import dev.threadline.functions.tail.TailClient;
import dev.threadline.functions.tail.TailedEvent;
import dev.threadline.protocol.ReplyEvent;
import io.micronaut.http.sse.Event;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One SSE client: where it starts (its {@link AttachPlan}), what it is sent (its {@link
 * ReplyFollower}) and when it ends. Its thread's tail calls it, one call at a time; the client
 * leaving (the response cut) is the only other thread that touches it, through {@link #leave()}.
 * Events synthesised from a run's row carry no {@code id} (they are not stream events:
 * Last-Event-ID stays at the last real one); for a completed run whose stored text is not what this
 * client was sent of the run's current epoch, an id-less {@code reset} and one {@code chunk} with
 * the whole stored text come first.
 */
public final class StreamSession implements TailClient {

  private static final Logger LOG = LoggerFactory.getLogger(StreamSession.class);

  private final AttachPlan plan;
  private final ReplyFollower follower;
  private final ClientSink sink;
  private final Function<TailedEvent, Event<String>> toSse;
  private final Function<ReplyEvent, Event<String>> toStoredSse;
  private final SentText sentText = new SentText();
  private long lastSequence;
  private volatile boolean ended;

  public StreamSession(
      AttachPlan plan,
      boolean followAcrossRuns,
      FluxSink<Event<String>> sink,
      Function<TailedEvent, Event<String>> toSse,
      Function<ReplyEvent, Event<String>> toStoredSse) {
    this(
        plan,
        followAcrossRuns,
        new ClientSink() {
          @Override
          public void next(Event<String> event) {
            sink.next(event);
          }

          @Override
          public void complete() {
            sink.complete();
          }
        },
        toSse,
        toStoredSse);
  }

  public StreamSession(
      AttachPlan plan,
      boolean followAcrossRuns,
      ClientSink sink,
      Function<TailedEvent, Event<String>> toSse,
      Function<ReplyEvent, Event<String>> toStoredSse) {
    this.plan = plan;
    this.follower = new ReplyFollower(plan, followAcrossRuns);
    this.sink = sink;
    this.toSse = toSse;
    this.toStoredSse = toStoredSse;
  }

  @Override
  public long startSequence() {
    return plan.startSequence();
  }

  @Override
  public boolean startsAtARun() {
    return plan.mode() != AttachPlan.Mode.FIRST_EVENT;
  }

  @Override
  public UUID followedRun() {
    return follower.followedRun();
  }

  @Override
  public boolean endedBy(TailedEvent tailed) {
    return tailed.sequence() > lastSequence
        && follower.endsFollowedRun(tailed.sequence(), tailed.event());
  }

  @Override
  public void deliver(TailedEvent tailed) {
    if (ended || tailed.sequence() <= lastSequence) {
      return; // already handled: a tail never repeats, this only keeps it so
    }
    lastSequence = tailed.sequence();
    ReplyFollower.Verdict verdict = follower.offer(tailed.sequence(), tailed.event());
    if (verdict == ReplyFollower.Verdict.SKIP) {
      return;
    }
    sentText.sent(tailed.event());
    sink.next(toSse.apply(tailed));
    if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
      end();
    }
  }

  @Override
  public void endFromRow(RunState state, ReplyEvent end) {
    ReplyFollower.Verdict verdict = follower.offerStoredEnd(end);
    if (ended || verdict == ReplyFollower.Verdict.SKIP) {
      return;
    }
    String stored = state.assistantContent() == null ? "" : state.assistantContent();
    if (end instanceof ReplyEvent.Done && !sentText.is(state.runId(), state.epoch(), stored)) {
      LOG.info(
          "run {} (epoch {}): a client was not sent its whole text; sending the stored message",
          state.runId(),
          state.epoch());
      sink.next(toStoredSse.apply(new ReplyEvent.Reset(state.runId(), state.epoch())));
      if (!stored.isEmpty()) {
        sink.next(toStoredSse.apply(new ReplyEvent.Chunk(state.runId(), state.epoch(), 0, stored)));
      }
    }
    sentText.clear();
    sink.next(toStoredSse.apply(end));
    if (verdict == ReplyFollower.Verdict.FORWARD_AND_END) {
      end();
    }
  }

  @Override
  public UUID waitingAfter() {
    return ended ? null : follower.waitingAfter();
  }

  @Override
  public void missedRun(RunState state, ReplyEvent end) {
    if (ended || follower.offerMissedRun(state.runId()) == ReplyFollower.Verdict.SKIP) {
      return;
    }
    LOG.info(
        "run {} (epoch {}) ran while this stream's tail could not read it; sending it from its row",
        state.runId(),
        state.epoch());
    String stored = state.assistantContent() == null ? "" : state.assistantContent();
    if (end instanceof ReplyEvent.Done) {
      sink.next(toStoredSse.apply(new ReplyEvent.Reset(state.runId(), state.epoch())));
      if (!stored.isEmpty()) {
        sink.next(toStoredSse.apply(new ReplyEvent.Chunk(state.runId(), state.epoch(), 0, stored)));
      }
    }
    sentText.clear();
    sink.next(toStoredSse.apply(end));
  }

  @Override
  public void end() {
    if (!ended) {
      ended = true;
      sink.complete();
    }
  }

  /** The client left: nothing more is sent. */
  void leave() {
    ended = true;
  }

  @Override
  public boolean ended() {
    return ended;
  }
}
