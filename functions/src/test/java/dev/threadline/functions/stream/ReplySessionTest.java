package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.threadline.functions.store.CreateOutcome;
import dev.threadline.functions.store.NewSubmission;
import dev.threadline.functions.store.RunOverviewRow;
import dev.threadline.functions.store.RunRow;
import dev.threadline.functions.store.RunState;
import dev.threadline.functions.store.RunStatus;
import dev.threadline.functions.store.SubmitOutcome;
import dev.threadline.functions.store.ThreadActivity;
import dev.threadline.functions.store.ThreadSnapshot;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/** When the database's word on the followed run reaches the client, with a settable clock. */
class ReplySessionTest {

  private static final Duration CHECK = Duration.ofSeconds(2);
  private static final Duration GRACE = Duration.ofSeconds(2);

  private final ThreadId thread = new ThreadId("t-session");
  private final UUID run = UUID.randomUUID();
  private final UUID message = UUID.randomUUID();
  private final AtomicInteger reads = new AtomicInteger();
  private final List<Event<String>> sent = new CopyOnWriteArrayList<>();
  private final AtomicBoolean completed = new AtomicBoolean();
  private long now = 1_000_000_000L;
  private Supplier<Optional<RunState>> row = Optional::empty;
  private Runnable duringRead = () -> {};

  private ReplySession session(AttachPlan plan) {
    AtomicReference<FluxSink<Event<String>>> sink = new AtomicReference<>();
    Flux.<Event<String>>create(sink::set)
        .subscribe(sent::add, e -> {}, () -> completed.set(true));
    return new ReplySession(
        thread,
        store(),
        new ReplyFollower(plan, false),
        sink.get(),
        tailed -> Event.of(tailed.event().type()).id(Long.toString(tailed.sequence())),
        event -> Event.of(event.type()).name(event.type()),
        new StreamConfiguration(Duration.ofSeconds(15), CHECK, GRACE, 1024),
        () -> now);
  }

  private RunState completedRow(Duration ago) {
    return new RunState(run, RunStatus.COMPLETED, 2, null, "stop", message, ago);
  }

  @Test
  void aRunCompletedJustNowGetsItsDoneFromTheRowOnlyAfterTheGrace() {
    ReplySession session = session(AttachPlan.followRun(run, 0));
    row = () -> Optional.of(completedRow(Duration.ZERO));
    now += CHECK.toNanos();

    session.checkFollowedRun();
    assertThat(sent).as("the real done may still come").isEmpty();

    now += GRACE.toNanos();
    session.checkFollowedRun();
    assertThat(sent).singleElement().satisfies(event -> {
      assertThat(event.getName()).isEqualTo("done");
      assertThat(event.getId()).isNull();
    });
    assertThat(completed).isTrue();
  }

  @Test
  void aRowTerminalForLongerThanTheGraceEndsTheStreamAtTheFirstCheck() {
    ReplySession session = session(AttachPlan.followRun(run, 0));
    row = () -> Optional.of(new RunState(run, RunStatus.FAILED, 1, "boom", null, null, GRACE));
    now += CHECK.toNanos();

    session.checkFollowedRun();

    assertThat(sent).extracting(Event::getName).containsExactly("error");
    assertThat(completed).isTrue();
  }

  @Test
  void theDatabaseIsNotReadWhileTheBusSpeaksOrWhileNoRunIsFollowed() {
    ReplySession following = session(AttachPlan.followRun(run, 0));
    now += CHECK.toNanos() - 1;
    following.checkFollowedRun();
    following.onTailed(new TailedEvent(1, new ReplyEvent.Reset(run, 1)));
    now += CHECK.toNanos() - 1;
    following.checkFollowedRun();

    ReplySession idle = session(AttachPlan.nextRunAfter(0));
    now += CHECK.toNanos() * 10;
    idle.checkFollowedRun();

    assertThat(reads).hasValue(0);
  }

  @Test
  void anEventArrivingDuringTheReadWinsOverTheRow() {
    ReplySession session = session(AttachPlan.followRun(run, 0));
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    duringRead =
        () -> session.onTailed(new TailedEvent(5, new ReplyEvent.Done(run, 2, message, "stop")));
    now += CHECK.toNanos();

    session.checkFollowedRun();

    assertThat(sent).extracting(Event::getId).containsExactly("5");
  }

  private ThreadStore store() {
    return new ThreadStore() {
      @Override
      public Optional<RunState> findRunState(ThreadId threadId, UUID runId) {
        reads.incrementAndGet();
        duringRead.run();
        return row.get();
      }

      @Override
      public CreateOutcome createThread(ThreadId id, String owner, String title, Instant now) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Optional<ThreadSnapshot> findThread(ThreadId id, String owner) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Optional<ThreadActivity> findActivity(ThreadId id, String owner) {
        throw new UnsupportedOperationException();
      }

      @Override
      public SubmitOutcome submit(NewSubmission submission, Instant now) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Optional<RunRow> findRun(ThreadId threadId, UUID runId, String owner) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Optional<RunRow> requestCancel(
          ThreadId threadId, UUID runId, String owner, Instant now) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<RunOverviewRow> runsByStatus(RunStatus status, int limit) {
        throw new UnsupportedOperationException();
      }
    };
  }
}
