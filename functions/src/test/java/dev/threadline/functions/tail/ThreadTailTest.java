package dev.threadline.functions.tail;

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
import dev.threadline.functions.stream.AttachPlan;
import dev.threadline.functions.stream.StreamSession;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ThreadId;
import io.micronaut.http.sse.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * One thread's tail with fake bus and store and a settable clock: when the database's word on the
 * followed run reaches its clients, what late attachers get from memory, and when the tail gives
 * its consumer back.
 */
class ThreadTailTest {

  private static final Duration CHECK = Duration.ofSeconds(2);
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static final Duration LINGER = Duration.ofSeconds(5);

  private final ThreadId thread = new ThreadId("t-session");
  private final UUID run = UUID.randomUUID();
  private final UUID message = UUID.randomUUID();
  private static final String STORED = "all";
  private final AtomicInteger reads = new AtomicInteger();
  private final List<Event<String>> sent = new CopyOnWriteArrayList<>();
  private final AtomicBoolean completed = new AtomicBoolean();
  private long now = 1_000_000_000L;
  private Supplier<Optional<RunState>> row = Optional::empty;
  private Runnable duringRead = () -> {};

  /** What the database says ran between two runs, and what the tail asked. */
  private List<RunState> between = List.of();

  private final List<String> betweenAsked = new CopyOnWriteArrayList<>();

  /** The subject's last sequence as the broker answers it; null: the broker does not answer. */
  private Long lastOnBus = 0L;

  private final FakeSubscription reading = new FakeSubscription();
  private final AtomicInteger consumersOpened = new AtomicInteger();
  private final AtomicInteger watches = new AtomicInteger();
  private final List<Long> tailedFrom = new CopyOnWriteArrayList<>();
  private final AtomicReference<Runnable> watched = new AtomicReference<>();
  private Long storedFrom;
  private final List<TailClient> sentElsewhere = new CopyOnWriteArrayList<>();
  private final AtomicBoolean tailClosed = new AtomicBoolean();
  private final ThreadTail.Hub hub =
      new ThreadTail.Hub() {
        @Override
        public void closed(ThreadTail tail) {
          tailClosed.set(true);
        }

        @Override
        public void elsewhere(ThreadTail tail, TailClient client, boolean closed) {
          sentElsewhere.add(client);
        }
      };

  /** Timers that never fire during a test: the test calls check() itself. */
  private final ScheduledThreadPoolExecutor timers =
      new ScheduledThreadPoolExecutor(1) {
        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
          return super.schedule(command, 1, TimeUnit.DAYS);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
            Runnable command, long initialDelay, long delay, TimeUnit unit) {
          return super.scheduleWithFixedDelay(command, 1, 1, TimeUnit.DAYS);
        }
      };

  @AfterEach
  void stopTimers() {
    timers.shutdownNow();
  }

  private ThreadTail session(AttachPlan plan) {
    return session(plan, false);
  }

  private ThreadTail session(AttachPlan plan, boolean followAcrossRuns) {
    ThreadTail tail = newTail();
    tail.attach(client(plan, followAcrossRuns, sent, completed));
    return tail;
  }

  private ThreadTail newTail() {
    return new ThreadTail(
        thread,
        true,
        bus(),
        store(),
        new TailSettings(CHECK, GRACE, LINGER, 1_000_000),
        Runnable::run,
        timers,
        () -> now,
        hub);
  }

  private StreamSession client(
      AttachPlan plan, boolean followAcrossRuns, List<Event<String>> into, AtomicBoolean ended) {
    AtomicReference<FluxSink<Event<String>>> sink = new AtomicReference<>();
    Flux.<Event<String>>create(sink::set).subscribe(into::add, e -> {}, () -> ended.set(true));
    return new StreamSession(
        plan,
        followAcrossRuns,
        sink.get(),
        tailed ->
            Event.of(tailed.event().type())
                .id(Long.toString(tailed.sequence()))
                .name(tailed.event().type()),
        event -> Event.of(describe(event)).name(event.type()));
  }

  /**
   * What the consumer reads: its position moves, then the tail's worker handles it, as with the
   * real bus.
   */
  private void tailed(ThreadTail tail, long sequence, ReplyEvent event) {
    reading.position = Math.max(reading.position, sequence);
    tail.onEvent(new TailedEvent(sequence, event));
  }

  private RunState completedRow(Duration ago) {
    return completedRow(run, STORED, ago);
  }

  private RunState completedRow(UUID ofRun, String content, Duration ago) {
    return new RunState(ofRun, RunStatus.COMPLETED, 2, null, "stop", message, content, ago);
  }

  /** What the client was sent of {@link #run}'s epoch 2 when it saw all of it. */
  private void wholeTextSent(ThreadTail session) {
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    tailed(session, 2, new ReplyEvent.Chunk(run, 2, 0, STORED));
  }

  /** Synthesised events as the test reads them: type, and what text they carry. */
  private static String describe(ReplyEvent event) {
    if (event instanceof ReplyEvent.Chunk chunk) {
      return "chunk " + chunk.epoch() + " " + chunk.index() + " " + chunk.delta();
    }
    return event.type() + " " + event.epoch();
  }

  private static List<String> synthesised(List<Event<String>> events) {
    return events.stream().filter(event -> event.getId() == null).map(Event::getData).toList();
  }

  @Test
  void aRunCompletedJustNowGetsItsDoneFromTheRowOnlyAfterTheGrace() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    wholeTextSent(session);
    row = () -> Optional.of(completedRow(Duration.ZERO));
    now += CHECK.toNanos();

    session.check();
    assertThat(sent).as("the real done may still come").hasSize(2);

    now += GRACE.toNanos();
    session.check();
    assertThat(sent)
        .hasSize(3)
        .last()
        .satisfies(
            event -> {
              assertThat(event.getName()).isEqualTo("done");
              assertThat(event.getId()).isNull();
            });
    assertThat(completed).isTrue();
  }

  @Test
  void aCompletedRunThisClientGotOnlyPartOfGetsAResetAndTheWholeStoredTextBeforeItsDone() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    tailed(session, 2, new ReplyEvent.Chunk(run, 2, 0, "Hel"));
    // the rest was on the subject, unread, until the next run's purge removed it
    row = () -> Optional.of(completedRow(run, "Hello", Duration.ofMinutes(1)));
    now += CHECK.toNanos();

    session.check();

    assertThat(sent).extracting(Event::getId).containsExactly("1", "2", null, null, null);
    assertThat(synthesised(sent)).containsExactly("reset 2", "chunk 2 0 Hello", "done 2");
    assertThat(completed).isTrue();
  }

  @Test
  void aCompletedRunWhoseEpochThisClientNeverSawStartGetsTheStoredTextUnderTheStoredEpoch() {
    // resumed mid-epoch: what came before Last-Event-ID is not known here
    ThreadTail session = session(AttachPlan.resumeAfter(4, run));
    tailed(session, 5, new ReplyEvent.Chunk(run, 2, 3, "lo"));
    row = () -> Optional.of(completedRow(run, "Hello", Duration.ofMinutes(1)));
    lastOnBus = 5L;
    now += CHECK.toNanos();

    session.check();

    assertThat(synthesised(sent)).containsExactly("reset 2", "chunk 2 0 Hello", "done 2");
  }

  @Test
  void aStoredTextOfAnotherEpochThanTheOneSentIsSentWhole() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    tailed(session, 1, new ReplyEvent.Reset(run, 1));
    tailed(session, 2, new ReplyEvent.Chunk(run, 1, 0, STORED));
    // a takeover restarted the run as epoch 2, whose events this client never read
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    now += CHECK.toNanos();

    session.check();

    assertThat(synthesised(sent)).containsExactly("reset 2", "chunk 2 0 all", "done 2");
  }

  @Test
  void theResetOfANextRunEndsTheFollowedRunFromItsRowThenFollowsTheNextRun() {
    UUID next = UUID.randomUUID();
    ThreadTail session = session(AttachPlan.nextRunAfter(0), true);
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    tailed(session, 2, new ReplyEvent.Chunk(run, 2, 0, "Hel"));
    row = () -> Optional.of(completedRow(run, "Hello", Duration.ZERO));

    // the rest of the run and its done were purged by the next run's start, unread
    tailed(session, 9, new ReplyEvent.Reset(next, 1));
    tailed(session, 10, new ReplyEvent.Chunk(next, 1, 0, "new"));
    tailed(session, 11, new ReplyEvent.Done(next, 1, UUID.randomUUID(), "stop"));

    assertThat(sent)
        .extracting(Event::getId)
        .containsExactly("1", "2", null, null, null, "9", "10", "11");
    assertThat(synthesised(sent)).containsExactly("reset 2", "chunk 2 0 Hello", "done 2");
    assertThat(reads).as("no grace: the next run proves the followed one over").hasValue(1);
    assertThat(completed).as("following across runs").isFalse();
  }

  @Test
  void runsThatRanAndWerePurgedWhileTheTailWasHeldUpAreToldToAFollowerFromTheirRows() {
    UUID missed = UUID.randomUUID();
    UUID next = UUID.randomUUID();
    ThreadTail session = session(AttachPlan.nextRunAfter(0), true);
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    tailed(session, 2, new ReplyEvent.Chunk(run, 2, 0, STORED));
    tailed(session, 3, new ReplyEvent.Done(run, 2, message, "stop"));
    between = List.of(completedRow(missed, "missed text", Duration.ZERO));

    // the next run's reset is chained to sequence 15: the tail never read 4..15
    reading.position = 20;
    session.onEvent(new TailedEvent(20, new ReplyEvent.Reset(next, 1), 15));

    assertThat(betweenAsked).containsExactly(run + ".." + next);
    assertThat(sent)
        .extracting(Event::getId)
        .containsExactly("1", "2", "3", null, null, null, "20");
    assertThat(synthesised(sent)).containsExactly("reset 2", "chunk 2 0 missed text", "done 2");
    assertThat(completed).isFalse();
  }

  @Test
  void aResetChainedRightAfterWhatTheTailReadAsksTheDatabaseNothing() {
    UUID next = UUID.randomUUID();
    ThreadTail session = session(AttachPlan.nextRunAfter(0), true);
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    tailed(session, 3, new ReplyEvent.Done(run, 2, message, "stop"));

    reading.position = 20;
    session.onEvent(new TailedEvent(20, new ReplyEvent.Reset(next, 1), 3));

    assertThat(betweenAsked).isEmpty();
    assertThat(sent).extracting(Event::getId).containsExactly("1", "3", "20");
  }

  @Test
  void theResetOfANextRunEndsAFollowedRunWhoseTextWasWholeWithItsDoneOnly() {
    UUID next = UUID.randomUUID();
    ThreadTail session = session(AttachPlan.followRun(run, 0), true);
    wholeTextSent(session);
    row = () -> Optional.of(completedRow(Duration.ZERO));

    tailed(session, 5, new ReplyEvent.Reset(next, 1));

    assertThat(sent).extracting(Event::getId).containsExactly("1", "2", null, "5");
    assertThat(synthesised(sent)).containsExactly("done 2");
  }

  @Test
  void withoutFollowTheResetOfANextRunEndsTheStreamAfterTheFollowedRunsEndFromItsRow() {
    UUID next = UUID.randomUUID();
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    row = () -> Optional.of(completedRow(Duration.ZERO));

    tailed(session, 4, new ReplyEvent.Reset(next, 1));

    assertThat(sent).extracting(Event::getId).containsExactly("1", null, null, null);
    assertThat(completed).isTrue();
  }

  @Test
  void aFollowedRunWhoseRowDoesNotSayHowItEndedEndsTheStreamRatherThanShowTheNextRun() {
    ThreadTail session = session(AttachPlan.followRun(run, 0), true);
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    row = Optional::empty;

    tailed(session, 4, new ReplyEvent.Reset(UUID.randomUUID(), 1));

    assertThat(sent).extracting(Event::getId).containsExactly("1");
    assertThat(reads).as("read a few times").hasValueGreaterThan(1);
    assertThat(completed).as("the client resumes with Last-Event-ID").isTrue();
  }

  @Test
  void aRowTerminalForLongerThanTheGraceEndsTheStreamAtTheFirstCheck() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    row =
        () -> Optional.of(new RunState(run, RunStatus.FAILED, 1, "boom", null, null, null, GRACE));
    now += CHECK.toNanos();

    session.check();

    assertThat(sent).extracting(Event::getName).containsExactly("error");
    assertThat(completed).isTrue();
  }

  @Test
  void theDatabaseIsNotReadWhileTheBusSpeaksOrWhileNoRunIsFollowed() {
    ThreadTail following = session(AttachPlan.followRun(run, 0));
    now += CHECK.toNanos() - 1;
    following.check();
    tailed(following, 1, new ReplyEvent.Reset(run, 1));
    now += CHECK.toNanos() - 1;
    following.check();

    ThreadTail idle = session(AttachPlan.nextRunAfter(0));
    now += CHECK.toNanos() * 10;
    idle.check();

    assertThat(reads).hasValue(0);
  }

  @Test
  void anEventReadDuringTheRowReadWinsOverTheRow() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    lastOnBus = 5L;
    // the consumer reads the done while the worker reads the row: it is handled right after
    duringRead = () -> reading.position = 5;
    now += CHECK.toNanos();

    session.check();
    assertThat(sent).isEmpty();
    tailed(session, 5, new ReplyEvent.Done(run, 2, message, "stop"));

    assertThat(sent).extracting(Event::getId).containsExactly("5");
    assertThat(reading.resumes).as("nothing was missed").hasValue(0);
  }

  @Test
  void aSubjectHoldingMoreThanTheTailReadResumesTheTailInsteadOfSynthesisingTheEnd() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    tailed(session, 2, new ReplyEvent.Chunk(run, 2, 0, "Hel"));
    // the broker restarted: the tail's consumer is gone while the relay published on
    lastOnBus = 4L;
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    now += CHECK.toNanos();

    session.check();

    assertThat(sent).extracting(Event::getName).containsExactly("reset", "chunk");
    assertThat(reading.resumes).as("resumed after sequence 2").hasValue(1);
    assertThat(completed).isFalse();

    tailed(session, 3, new ReplyEvent.Chunk(run, 2, 1, "lo"));
    tailed(session, 4, new ReplyEvent.Done(run, 2, message, "stop"));
    assertThat(sent).extracting(Event::getId).containsExactly("1", "2", "3", "4");
    assertThat(completed).isTrue();
  }

  @Test
  void theEndIsSynthesisedOnlyOnceTheTailHasReadEverythingTheSubjectHolds() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    tailed(session, 1, new ReplyEvent.Reset(run, 2));
    lastOnBus = 3L;
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    now += CHECK.toNanos();
    session.check();
    assertThat(reading.resumes).hasValue(1);

    // the resumed tail reads the last chunk; the relay's done never reached the bus
    tailed(session, 3, new ReplyEvent.Chunk(run, 2, 0, "all"));
    now += CHECK.toNanos();
    session.check();

    assertThat(sent).extracting(Event::getName).containsExactly("reset", "chunk", "done");
    assertThat(sent.get(2).getId()).isNull();
    assertThat(reading.resumes).hasValue(1);
    assertThat(completed).isTrue();
  }

  @Test
  void aBrokerThatDoesNotAnswerPostponesTheEndFromTheRow() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    wholeTextSent(session);
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    lastOnBus = null;
    now += CHECK.toNanos();

    session.check();
    assertThat(sent).as("the subject may hold chunks this client has not read").hasSize(2);

    lastOnBus = 2L;
    now += CHECK.toNanos();
    session.check();
    assertThat(sent).extracting(Event::getName).containsExactly("reset", "chunk", "done");
  }

  @Test
  void aTailWhoseClientsAllWaitForANextRunGivesBackItsConsumerAndWatchesInstead() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0), true);
    wholeTextSent(tail);
    tailed(tail, 3, new ReplyEvent.Done(run, 2, message, "stop"));
    assertThat(consumersOpened).hasValue(1);
    lastOnBus = 3L;

    now += CHECK.toNanos();
    tail.check();
    assertThat(reading.closed).as("kept warm for the linger").isFalse();
    now += LINGER.toNanos();
    tail.check();

    assertThat(reading.closed).isTrue();
    assertThat(watches).hasValue(1);
    assertThat(reads).as("no run followed: the database is not read").hasValue(0);

    // the next run publishes: the watch signals it and the consumer reads on after the done
    lastOnBus = 4L;
    watched.get().run();
    assertThat(tailedFrom).containsExactly(1L, 4L);
  }

  @Test
  void anIdleFollowStreamOpensNoConsumerUntilTheWatchSignalsARun() {
    ThreadTail tail = session(AttachPlan.nextRunAfter(7), true);
    assertThat(consumersOpened).hasValue(0);
    assertThat(watches).hasValue(1);

    lastOnBus = 8L;
    watched.get().run();

    assertThat(tailedFrom).containsExactly(8L);
    tailed(tail, 8, new ReplyEvent.Reset(run, 1));
    assertThat(sent).extracting(Event::getId).containsExactly("8");
  }

  @Test
  void aRunThatStartedBeforeTheWatchBeganIsReadAtOnce() {
    lastOnBus = 9L;
    session(AttachPlan.nextRunAfter(7), true);

    assertThat(tailedFrom).as("the subject moved past the client's start").containsExactly(8L);
  }

  @Test
  void aLateAttacherReplaysTheRunFromMemoryWithoutAnotherConsumer() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0));
    tailed(tail, 1, new ReplyEvent.Reset(run, 2));
    tailed(tail, 2, new ReplyEvent.Chunk(run, 2, 0, "Hel"));
    tailed(tail, 3, new ReplyEvent.Chunk(run, 2, 1, "lo"));

    List<Event<String>> late = new CopyOnWriteArrayList<>();
    tail.attach(client(AttachPlan.followRun(run, 3), false, late, new AtomicBoolean()));
    tailed(tail, 4, new ReplyEvent.Chunk(run, 2, 2, "!"));

    assertThat(late).extracting(Event::getId).containsExactly("1", "2", "3", "4");
    assertThat(late)
        .extracting(Event::getData)
        .isEqualTo(sent.stream().map(Event::getData).toList());
    assertThat(consumersOpened).hasValue(1);
  }

  @Test
  void aResumeFromMemoryGetsExactlyWhatFollowsItsLastEventId() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0));
    wholeTextSent(tail);
    tailed(tail, 3, new ReplyEvent.Chunk(run, 2, 1, "more"));

    List<Event<String>> resumed = new CopyOnWriteArrayList<>();
    tail.attach(client(AttachPlan.resumeAfter(2, run), false, resumed, new AtomicBoolean()));

    assertThat(resumed).extracting(Event::getId).containsExactly("3");
    assertThat(sentElsewhere).isEmpty();
  }

  @Test
  void aResumeFromBeforeTheMemoryIsServedByATailOfItsOwnWhenJetStreamHoldsMore() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0));
    tailed(tail, 5, new ReplyEvent.Reset(run, 2));
    // events 3 and 4 are still stored (an earlier epoch whose purge has not happened yet)
    storedFrom = 3L;

    TailClient resuming =
        client(
            AttachPlan.resumeAfter(2, run),
            false,
            new CopyOnWriteArrayList<>(),
            new AtomicBoolean());
    tail.attach(resuming);

    assertThat(sentElsewhere).containsExactly(resuming);
  }

  @Test
  void aResumeFromBeforeTheMemoryIsServedFromMemoryWhenNothingIsStoredInBetween() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0));
    tailed(tail, 5, new ReplyEvent.Reset(run, 2));
    storedFrom = 5L;

    List<Event<String>> resumed = new CopyOnWriteArrayList<>();
    tail.attach(client(AttachPlan.resumeAfter(2, run), false, resumed, new AtomicBoolean()));

    assertThat(sentElsewhere).isEmpty();
    assertThat(resumed).extracting(Event::getId).containsExactly("5");
  }

  @Test
  void theRowOfARunIsReadOnceForAllItsClients() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0));
    wholeTextSent(tail);
    List<Event<String>> second = new CopyOnWriteArrayList<>();
    List<Event<String>> third = new CopyOnWriteArrayList<>();
    tail.attach(client(AttachPlan.followRun(run, 2), false, second, new AtomicBoolean()));
    tail.attach(client(AttachPlan.followRun(run, 2), false, third, new AtomicBoolean()));
    lastOnBus = 2L;
    row = () -> Optional.of(completedRow(Duration.ofMinutes(1)));
    now += CHECK.toNanos();

    tail.check();

    assertThat(reads).hasValue(1);
    for (List<Event<String>> events : List.of(sent, second, third)) {
      assertThat(events).extracting(Event::getName).containsExactly("reset", "chunk", "done");
    }
    assertThat(tailClosed).as("private tails close at once; this one lingers").isFalse();
  }

  @Test
  void theThreadsDeletionEndsEveryClientAndClosesTheTail() {
    ThreadTail tail = session(AttachPlan.followRun(run, 0));
    AtomicBoolean waitingEnded = new AtomicBoolean();
    tail.attach(
        client(AttachPlan.nextRunAfter(0), true, new CopyOnWriteArrayList<>(), waitingEnded));

    tail.threadDeleted();

    assertThat(completed).isTrue();
    assertThat(waitingEnded).isTrue();
    assertThat(tailClosed).isTrue();
    assertThat(reading.closed).isTrue();
  }

  @Test
  void anEventHandedOnTwiceIsSentOnce() {
    ThreadTail session = session(AttachPlan.followRun(run, 0));
    tailed(session, 1, new ReplyEvent.Reset(run, 1));
    tailed(session, 2, new ReplyEvent.Chunk(run, 1, 0, "once"));
    tailed(session, 2, new ReplyEvent.Chunk(run, 1, 0, "once"));

    assertThat(sent).extracting(Event::getId).containsExactly("1", "2");
  }

  private ReplyTail bus() {
    return new ReplyTail() {
      @Override
      public long lastSequence(ThreadId threadId) {
        if (lastOnBus == null) {
          throw new IllegalStateException("the broker does not answer");
        }
        return lastOnBus;
      }

      @Override
      public OptionalLong firstSequenceFrom(ThreadId threadId, long sequence) {
        return storedFrom == null ? OptionalLong.empty() : OptionalLong.of(storedFrom);
      }

      @Override
      public Optional<ReplyEvent> eventAt(ThreadId threadId, long sequence) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Subscription tail(
          ThreadId threadId, long startSequence, Consumer<TailedEvent> onEvent) {
        consumersOpened.incrementAndGet();
        tailedFrom.add(startSequence);
        reading.position = startSequence - 1;
        reading.closed = false;
        return reading;
      }

      @Override
      public Watch watch(ThreadId threadId, Runnable onActivity) {
        watches.incrementAndGet();
        watched.set(onActivity);
        return () -> {};
      }

      @Override
      public void onThreadDeleted(Consumer<ThreadId> onDeleted) {}

      @Override
      public void onReconnected(Runnable onReconnected) {}
    };
  }

  /** Counts resumes; the test moves its position as the real tail would on each message. */
  private static final class FakeSubscription implements ReplyTail.Subscription {
    volatile long position;
    final AtomicInteger resumes = new AtomicInteger();
    volatile boolean closed;

    @Override
    public long position() {
      return position;
    }

    @Override
    public void resume() {
      resumes.incrementAndGet();
    }

    @Override
    public void close() {
      closed = true;
    }
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
      public Optional<UUID> runAtSequence(ThreadId threadId, long sequence) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<RunState> endedRunsBetween(ThreadId threadId, UUID after, UUID before) {
        betweenAsked.add(after + ".." + before);
        return between;
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
