package dev.threadline.functions.bus;

import io.nats.client.Message;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;

/**
 * A message of the reply stream as a tail hands it on, whether a consumer delivered it or it was
 * read from the stream's leader to fill a gap.
 */
record StoredMessage(long sequence, Headers headers, byte[] data) {

  static StoredMessage of(Message message) {
    return new StoredMessage(
        message.metaData().streamSequence(), message.getHeaders(), message.getData());
  }

  static StoredMessage of(MessageInfo stored) {
    return new StoredMessage(stored.getSeq(), stored.getHeaders(), stored.getData());
  }
}
