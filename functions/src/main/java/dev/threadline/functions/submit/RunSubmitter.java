package dev.threadline.functions.submit;

import dev.threadline.functions.clock.IdGenerator;
import dev.threadline.functions.problem.NotFoundException;
import dev.threadline.functions.store.NewSubmission;
import dev.threadline.functions.store.SubmitOutcome;
import dev.threadline.functions.store.ThreadStore;
import dev.threadline.functions.wakeup.RunWakeUp;
import dev.threadline.protocol.ThreadId;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Queues a run for a user message: message and run commit together (the outbox), so a run is never
 * lost and never exists without its message; then the relays are woken ({@link RunWakeUp}: NOTIFY
 * in the transaction, or a NATS publish after it).
 */
@Singleton
public class RunSubmitter {

  private static final Logger LOG = LoggerFactory.getLogger(RunSubmitter.class);

  private final ThreadStore store;
  private final Clock clock;
  private final IdGenerator ids;
  private final String defaultModel;
  private final RunWakeUp wakeUp;

  public RunSubmitter(
      ThreadStore store,
      Clock clock,
      IdGenerator ids,
      @Value("${openai.model}") String defaultModel,
      RunWakeUp wakeUp) {
    this.wakeUp = wakeUp;
    this.store = store;
    this.clock = clock;
    this.ids = ids;
    this.defaultModel = defaultModel;
  }

  /**
   * @param model null for the default ({@code OPENAI_MODEL})
   * @param idempotencyKey null for none
   * @param retryable false: the run must fail rather than run twice (after a crash, or on a
   *     transient model error)
   * @return the run answering this message (the first one, for a repeated idempotency key)
   * @throws NotFoundException when the thread is not the owner's; nothing is written then
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
            model == null ? defaultModel : model,
            idempotencyKey,
            retryable);
    SubmitOutcome outcome = store.submit(submission, clock.instant());
    if (outcome instanceof SubmitOutcome.Accepted accepted) {
      wakeUp.runQueued(threadId);
      try (MDC.MDCCloseable ignored = MDC.putCloseable("runId", accepted.runId().toString())) {
        LOG.info("queued run");
      }
      return accepted.runId();
    }
    if (outcome instanceof SubmitOutcome.Replayed replayed) {
      return replayed.runId();
    }
    throw new NotFoundException();
  }
}
