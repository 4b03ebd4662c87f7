package dev.threadline.relay.run;

import dev.threadline.protocol.ReplyStreamDefinition;
import dev.threadline.relay.bus.FencedOutException;
import dev.threadline.relay.bus.ReplyPublishException;
import dev.threadline.relay.bus.RunReply;
import dev.threadline.relay.store.ClaimedRun;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps publishing the {@code done} of a run whose commit succeeded while the broker did not
 * answer: the database is right and attached clients need the event. It retries in the background,
 * off the run's worker slot, with the same {@code Nats-Msg-Id} (a publish that landed
 * unacknowledged is dropped as a duplicate), for at most the stream's duplicate window from the
 * first try: past it a re-send could be stored twice. If it still fails, functions read the run's
 * end from PostgreSQL and tell the clients.
 */
@Singleton
public class LateDonePublisher {

  private static final Logger LOG = LoggerFactory.getLogger(LateDonePublisher.class);
  private static final Duration PAUSE = Duration.ofSeconds(1);

  private final ScheduledThreadPoolExecutor executor;
  private final Duration window;

  public LateDonePublisher() {
    this(ReplyStreamDefinition.DUPLICATE_WINDOW);
  }

  LateDonePublisher(Duration window) {
    this.window = window;
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        new ScheduledThreadPoolExecutor(
            2,
            task -> {
              Thread thread = new Thread(task, "relay-late-done-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
  }

  /**
   * Retries {@code done} of {@code reply} (which its worker no longer uses) until it is
   * acknowledged, fenced, or the window since {@code firstTriedNanos} (System.nanoTime) passed.
   */
  public void retry(
      ClaimedRun run, RunReply reply, UUID messageId, String finishReason, long firstTriedNanos) {
    schedule(new Attempt(run, reply, messageId, finishReason, firstTriedNanos + window.toNanos()));
  }

  /** How many {@code done}s wait for the broker now. */
  public int pending() {
    return executor.getQueue().size() + executor.getActiveCount();
  }

  private void schedule(Attempt attempt) {
    try {
      executor.schedule(attempt, PAUSE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      try (RunMdc ignored = RunMdc.of(attempt.run)) {
        LOG.warn("shutting down: done not published; clients learn the end from the database");
      }
    }
  }

  @PreDestroy
  void stop() {
    executor.shutdownNow();
  }

  private final class Attempt implements Runnable {
    private final ClaimedRun run;
    private final RunReply reply;
    private final UUID messageId;
    private final String finishReason;
    private final long deadlineNanos;

    Attempt(ClaimedRun run, RunReply reply, UUID messageId, String finishReason, long deadline) {
      this.run = run;
      this.reply = reply;
      this.messageId = messageId;
      this.finishReason = finishReason;
      this.deadlineNanos = deadline;
    }

    @Override
    public void run() {
      try (RunMdc ignored = RunMdc.of(run)) {
        try {
          reply.done(messageId, finishReason);
          LOG.info("done published late, after the broker came back");
        } catch (FencedOutException e) {
          LOG.info("late done not published: a newer epoch owns the subject");
        } catch (ReplyPublishException e) {
          if (System.nanoTime() - deadlineNanos >= 0) {
            LOG.warn(
                "gave up publishing done after the duplicate window ({}): {}; clients learn the"
                    + " end from the database",
                window,
                e.getMessage());
          } else {
            LOG.warn("done still not published ({}); retrying", e.getMessage());
            schedule(this);
          }
        } catch (RuntimeException e) {
          LOG.error("publishing a late done broke; clients learn the end from the database", e);
        }
      }
    }
  }
}
