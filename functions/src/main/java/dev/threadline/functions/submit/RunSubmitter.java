package dev.threadline.functions.submit;

import dev.threadline.functions.clock.IdGenerator;
import dev.threadline.functions.problem.IdempotencyKeyReusedException;
import dev.threadline.functions.problem.InvalidRequestException;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.problem.TooManyRequestsException;
import dev.threadline.functions.store.NewSubmission;
import dev.threadline.functions.store.SubmitOutcome;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.protocol.ThreadId;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Queues a run for a user message: message and run commit together (the outbox), so a run is never
 * lost and never exists without its message; the store wakes the relays through its wake-up port
 * (NOTIFY in the transaction, or a NATS publish after the commit).
 */
@Singleton
public class RunSubmitter {

  private static final Logger LOG = LoggerFactory.getLogger(RunSubmitter.class);

  private final ThreadStore store;
  private final Clock clock;
  private final IdGenerator ids;
  private final ModelCatalog models;
  private final ActiveRunQuota quota;

  public RunSubmitter(
      ThreadStore store, Clock clock, IdGenerator ids, ModelCatalog models, ActiveRunQuota quota) {
    this.store = store;
    this.clock = clock;
    this.ids = ids;
    this.models = models;
    this.quota = quota;
  }

  /**
   * @param model null for the default ({@code OPENAI_MODEL}); else one of {@code THREADLINE_MODELS}
   * @param idempotencyKey null for none
   * @param retryable false: the run must fail rather than run twice (after a crash, or on a
   *     transient model error)
   * @return the run answering this message (the first one, for a repeated idempotency key)
   * @throws NotFoundException when the thread is not the owner's; nothing is written then
   * @throws InvalidRequestException when the model is not offered; nothing is written then
   * @throws IdempotencyKeyReusedException when the key answered another request before
   * @throws TooManyRequestsException when the owner has {@link ActiveRunQuota} active runs already
   */
  public UUID submit(
      ThreadId threadId,
      String owner,
      String content,
      String model,
      String idempotencyKey,
      boolean retryable) {
    NewSubmission submission =
        new NewSubmission(
            threadId,
            owner,
            ids.newId(),
            ids.newId(),
            content,
            models.resolve(model),
            idempotencyKey,
            retryable,
            quota.maxActiveRuns());
    SubmitOutcome outcome = store.submit(submission, clock.instant());
    if (outcome instanceof SubmitOutcome.Accepted accepted) {
      try (MDC.MDCCloseable ignored = MDC.putCloseable("runId", accepted.runId().toString())) {
        LOG.info("queued run");
      }
      return accepted.runId();
    }
    if (outcome instanceof SubmitOutcome.Replayed replayed) {
      return replayed.runId();
    }
    if (outcome instanceof SubmitOutcome.KeyReused) {
      throw new IdempotencyKeyReusedException();
    }
    if (outcome instanceof SubmitOutcome.OverQuota over) {
      throw new TooManyRequestsException(
          "runs: this owner already has "
              + over.limit()
              + " queued or running runs (THREADLINE_MAX_ACTIVE_RUNS_PER_OWNER); retry when one"
              + " ends",
          quota.retryAfter());
    }
    throw new NotFoundException();
  }
}
