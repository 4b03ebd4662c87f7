package dev.threadline.relay.run;

import dev.threadline.completion.AbortSignal;
import dev.threadline.completion.ChatMessage;
import dev.threadline.completion.CompletionAbortedException;
import dev.threadline.completion.CompletionClient;
import dev.threadline.completion.CompletionFailedException;
import dev.threadline.completion.CompletionRequest;
import dev.threadline.completion.CompletionResult;
import dev.threadline.relay.RelayConfig;
import dev.threadline.relay.bus.FencedOutException;
import dev.threadline.relay.bus.ReplyPublishException;
import dev.threadline.relay.bus.ReplyPublisher;
import dev.threadline.relay.bus.RunReply;
import dev.threadline.relay.metrics.RelayMetrics;
import dev.threadline.relay.store.ClaimedRun;
import dev.threadline.relay.store.RunStore;
import dev.threadline.relay.store.RunStoreException;
import dev.threadline.relay.store.TakenOverRun;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one run from claim to its terminal state, on the three ports only: publish {@code reset},
 * stream the completion into chunks, commit the assistant message (fenced on the epoch), then
 * publish {@code done}. Transient failures retry at a higher epoch after a backoff; aborts end the
 * run as their reason says.
 */
@Singleton
public class RunProcessor {

  private static final Logger LOG = LoggerFactory.getLogger(RunProcessor.class);

  /** The code of the error a non-retryable run gets when a takeover fails it. */
  static final String NOT_RETRYABLE_CODE = "not_retryable";

  private final RunStore store;
  private final ReplyPublisher publisher;
  private final CompletionClient completion;
  private final Clock clock;
  private final RetryBackoff backoff;
  private final RelayMetrics metrics;
  private final LateDonePublisher lateDone;
  private final Duration lease;
  private final int maxAttempts;
  private final RunLimits limits;

  public RunProcessor(
      RunStore store,
      ReplyPublisher publisher,
      CompletionClient completion,
      Clock clock,
      RetryBackoff backoff,
      RelayMetrics metrics,
      LateDonePublisher lateDone,
      RelayConfig config,
      RunLimits limits) {
    this.store = store;
    this.publisher = publisher;
    this.completion = completion;
    this.clock = clock;
    this.backoff = backoff;
    this.metrics = metrics;
    this.lateDone = lateDone;
    this.lease = config.lease();
    this.maxAttempts = config.retryMaxAttempts();
    this.limits = limits;
  }

  /**
   * Works the run until it ends, is taken from us, or is aborted. Never throws for a lost race;
   * whatever breaks, the run is retried or failed at once rather than left to its lease.
   */
  public void process(InFlightRun run) {
    ClaimedRun next = run.current();
    while (next != null) {
      try (RunMdc ignored = RunMdc.of(next)) {
        ClaimedRun current = next;
        try {
          next = attempt(run, current);
        } catch (RuntimeException | Error e) {
          // ending the attempt broke too (the database failed while restarting or failing it)
          next = releaseAfterBreak(run, current, e);
        }
      }
    }
  }

  private ClaimedRun releaseAfterBreak(InFlightRun entry, ClaimedRun run, Throwable e) {
    LOG.error(
        "run attempt {} broke while ending; retrying or failing it once more", run.attempts(), e);
    try {
      Optional<String> aborted = entry.abort().reason();
      if (aborted.isPresent()) {
        return stopOnAbort(run, null, aborted.get());
      }
      return retryOrFail(entry, run, null, RunFailure.RELAY_FAILURE, Optional.empty());
    } catch (RuntimeException | Error again) {
      LOG.error(
          "could not release the run ({}); it is taken over when its lease expires",
          messageOf(again));
      return null;
    }
  }

  /** Publishes the end of a run a takeover found cancelled or failed, so attached clients stop. */
  public void announce(TakenOverRun taken) {
    ClaimedRun run = taken.run();
    try (RunMdc ignored = RunMdc.of(run)) {
      switch (taken.disposition()) {
        case CANCELLED -> {
          metrics.cancelled();
          publishQuietly(run, null, RunReply::cancelled);
        }
        case FAILED_NOT_RETRYABLE -> {
          metrics.failed();
          LOG.warn("interrupted non-retryable run failed instead of replayed");
          publishQuietly(
              run,
              null,
              reply -> reply.error(TakenOverRun.NOT_RETRYABLE_ERROR, NOT_RETRYABLE_CODE, false));
        }
        case RESUME ->
            throw new IllegalArgumentException("a resumed run is processed, not announced");
      }
    }
  }

  /** One epoch of the run; returns the next epoch to try, or null when the run is done with. */
  private ClaimedRun attempt(InFlightRun entry, ClaimedRun run) {
    AbortSignal abort = entry.abort();
    if (abort.aborted()) {
      return stopOnAbort(run, null, abort.reason().orElseThrow());
    }
    if (run.cancelRequested()) {
      return cancel(run, null);
    }
    if (run.attempts() > maxAttempts) {
      return failForGood(run, null, RunFailure.ATTEMPTS_EXHAUSTED);
    }
    RunReply reply = null;
    long attemptStart = System.nanoTime();
    try {
      reply = publisher.start(run, () -> store.isLatestStart(run));
      recordReplyStart(run, reply);
      List<ChatMessage> history = HistoryWindow.fit(store.history(run), limits.historyMaxChars());
      ReplyText text = new ReplyText();
      RunReply chunks = reply;
      CompletionResult result =
          completion.stream(
              new CompletionRequest(
                  run.model(), history, limits.runTimeout(), limits.maxReplyChars()),
              delta -> {
                abort.throwIfAborted();
                publishChunk(chunks, text.accept(delta), abort, attemptStart);
              },
              abort);
      publishChunk(reply, text.finish(), abort, attemptStart);
      return complete(entry, run, reply, text.content(), result.finishReason());
    } catch (RuntimeException | Error e) {
      // an Error of the attempt (a bug in a dependency, a stack overflow) is a failed attempt
      // too: retried with backoff up to the limit, never a run left silently running
      if (abort.aborted()) {
        return stopOnAbort(run, reply, abort.reason().orElseThrow());
      }
      if (e instanceof FencedOutException) {
        LOG.info("fenced out: {}", e.getMessage());
        return stopOnAbort(run, reply, AbortReasons.FENCED);
      }
      if (e instanceof CompletionFailedException failed && !failed.transientFailure()) {
        // the detail (status, provider text, URL) to the log only; the row and clients get a code
        LOG.warn(
            "model refused the run ({}, HTTP {}): {}",
            failed.reason(),
            failed.httpStatus(),
            failed.getMessage());
        return failForGood(run, reply, RunFailure.of(failed.reason()));
      }
      Optional<Duration> retryAfter =
          e instanceof CompletionFailedException failed ? failed.retryAfter() : Optional.empty();
      if (e instanceof CompletionFailedException failed) {
        LOG.warn("run attempt {} failed ({}): {}", run.attempts(), failed.reason(), e.getMessage());
        return retryOrFail(entry, run, reply, RunFailure.of(failed.reason()), retryAfter);
      }
      if (e instanceof ReplyPublishException) {
        LOG.warn("run attempt {} failed: {}", run.attempts(), e.getMessage());
        return retryOrFail(entry, run, reply, RunFailure.BUS_UNAVAILABLE, retryAfter);
      }
      // a bug or an unforeseen failure: a failed attempt like any transient one
      LOG.error("run attempt {} broke unexpectedly", run.attempts(), e);
      return retryOrFail(entry, run, reply, RunFailure.RELAY_FAILURE, retryAfter);
    }
  }

  /**
   * Best effort: without it a stream that resumes after this reply was purged cannot tell which run
   * it was in (it then never ends that run); the run itself does not need it.
   */
  private void recordReplyStart(ClaimedRun run, RunReply reply) {
    try {
      store.recordReplyStart(run, reply.resetSequence());
    } catch (RunStoreException e) {
      LOG.warn("could not record where the reply starts: {}", e.getMessage());
    }
  }

  private void publishChunk(RunReply reply, String delta, AbortSignal abort, long attemptStart) {
    if (delta.isEmpty()) {
      return; // a held-back half of a surrogate pair: it goes out with the next delta
    }
    try {
      int index = reply.chunksPublished();
      reply.chunk(index, delta);
      metrics.chunkPublished();
      if (index == 0) {
        metrics.firstChunk(attemptStart, System.nanoTime());
      }
    } catch (FencedOutException e) {
      // the completion client may wrap what the sink throws: the signal tells the truth
      LOG.info("fenced out: {}", e.getMessage());
      abort.abort(AbortReasons.FENCED);
      throw e;
    }
  }

  private ClaimedRun complete(
      InFlightRun entry, ClaimedRun run, RunReply reply, String content, String finishReason) {
    Optional<UUID> messageId =
        store.complete(run, content, finishReason, reply.chunksPublished(), clock.instant());
    if (messageId.isEmpty()) {
      metrics.lost();
      LOG.info("run was taken over before it completed; its new owner finishes it");
      return null;
    }
    entry.markCommitted();
    metrics.completed(reply.chunksPublished());
    if (reply.chunksPublished() == 0) {
      LOG.warn("run completed with zero chunks published (finish reason {})", finishReason);
    }
    long firstTry = System.nanoTime();
    try {
      reply.done(messageId.get(), finishReason);
    } catch (FencedOutException e) {
      LOG.warn("done not published: a newer epoch owns the subject of a completed run");
    } catch (ReplyPublishException e) {
      // committed: the run is over whatever the broker says; never retry or fail it now
      LOG.warn("done not published ({}); retrying in the background", e.getMessage());
      lateDone.retry(run, reply, messageId.get(), finishReason, firstTry);
    } catch (RuntimeException e) {
      // committed: never a failed attempt now; functions tell clients the end from the row
      LOG.error("done not published: publishing it broke", e);
    }
    return null;
  }

  private ClaimedRun retryOrFail(
      InFlightRun entry,
      ClaimedRun run,
      RunReply reply,
      RunFailure failure,
      Optional<Duration> retryAfter) {
    if (!run.retryable() || run.attempts() >= maxAttempts) {
      return failForGood(
          run,
          reply,
          run.retryable() ? failure.afterAttempts(run.attempts()) : failure.notRetryable());
    }
    try {
      if (reply != null) {
        reply.error(failure.message(), failure.code(), true);
      }
      backoff.await(backoff.delayAfter(run.attempts(), retryAfter), entry.abort());
    } catch (FencedOutException e) {
      LOG.info("fenced out: {}", e.getMessage());
      return stopOnAbort(run, reply, AbortReasons.FENCED);
    } catch (ReplyPublishException e) {
      LOG.warn("could not publish the retryable error: {}", e.getMessage());
    } catch (CompletionAbortedException e) {
      return stopOnAbort(run, reply, entry.abort().reason().orElse(AbortReasons.SHUTDOWN));
    }
    synchronized (entry) {
      Optional<ClaimedRun> next = store.restart(run, clock.instant(), lease);
      if (next.isEmpty()) {
        metrics.lost();
        LOG.info("run was taken over while backing off; stopping");
        return null;
      }
      entry.moveTo(next.get());
      metrics.retried();
      return next.get();
    }
  }

  private ClaimedRun stopOnAbort(ClaimedRun run, RunReply reply, String reason) {
    switch (reason) {
      case AbortReasons.CANCEL -> {
        return cancel(run, reply);
      }
      case AbortReasons.SHUTDOWN -> LOG.info("stopped for shutdown; the run stays for recovery");
      default -> {
        metrics.lost();
        LOG.info("stopped: {}", reason);
      }
    }
    return null;
  }

  private ClaimedRun cancel(ClaimedRun run, RunReply reply) {
    if (store.cancel(run, clock.instant())) {
      metrics.cancelled();
      LOG.info("run cancelled");
      publishQuietly(run, reply, RunReply::cancelled);
    } else {
      metrics.lost();
      LOG.info("run was taken over before it could be cancelled");
    }
    return null;
  }

  private ClaimedRun failForGood(ClaimedRun run, RunReply reply, RunFailure failure) {
    if (store.fail(run, failure.message(), clock.instant())) {
      metrics.failed();
      LOG.warn("run failed ({}): {}", failure.code(), failure.message());
      publishQuietly(run, reply, r -> r.error(failure.message(), failure.code(), false));
    } else {
      metrics.lost();
      LOG.info("run was taken over before it could be failed");
    }
    return null;
  }

  /** Publishes a terminal event after the database says so; the row is the truth if this fails. */
  private void publishQuietly(ClaimedRun run, RunReply reply, Consumer<RunReply> event) {
    try {
      event.accept(reply != null ? reply : publisher.start(run, () -> store.isLatestStart(run)));
    } catch (FencedOutException e) {
      LOG.info("terminal event not published: a newer epoch owns the subject");
    } catch (ReplyPublishException | RunStoreException e) {
      LOG.warn("terminal event not published: {}", e.getMessage());
    }
  }

  private static String messageOf(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
