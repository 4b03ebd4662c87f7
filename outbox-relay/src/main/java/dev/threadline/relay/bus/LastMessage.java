package dev.threadline.relay.bus;

import dev.threadline.protocol.ReplyHeaders;
import io.micronaut.core.annotation.Nullable;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.util.UUID;

/**
 * The last message on a thread's subject as a starting publisher observed it.
 *
 * @param sequence its stream sequence; 0 when the subject is empty
 * @param runId the run it belongs to, null when empty or unlabelled
 * @param epoch the epoch that published it, -1 when unknown
 * @param messageId its {@code Nats-Msg-Id}, null when it has none
 */
record LastMessage(long sequence, @Nullable UUID runId, long epoch, @Nullable String messageId) {

  static final LastMessage NONE = new LastMessage(0, null, -1, null);

  /** From the stored message, labelled by the run and epoch headers every publisher sets. */
  static LastMessage of(MessageInfo info) {
    Headers headers = info.getHeaders();
    String runId = headers == null ? null : headers.getFirst(ReplyHeaders.RUN_ID);
    String epoch = headers == null ? null : headers.getFirst(ReplyHeaders.EPOCH);
    return new LastMessage(
        info.getSeq(),
        runId == null ? null : UUID.fromString(runId),
        epoch == null ? -1 : Long.parseLong(epoch),
        headers == null ? null : headers.getFirst(NatsJetStreamConstants.MSG_ID_HDR));
  }

  boolean isOf(UUID run) {
    return run.equals(runId);
  }
}
