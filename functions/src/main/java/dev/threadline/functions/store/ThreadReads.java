package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads both the store and the directory make, inside their callers' transactions. */
@Singleton
class ThreadReads {

  private static final Sort NEWEST_FIRST = Sort.of(Sort.Order.desc("seq"));

  private final ThreadRepository threads;
  private final MessageRepository messages;

  ThreadReads(ThreadRepository threads, MessageRepository messages) {
    this.threads = threads;
    this.messages = messages;
  }

  static ThreadRow row(ThreadEntity thread) {
    return new ThreadRow(
        new ThreadId(thread.id()), thread.owner(), thread.title(), thread.createdAt());
  }

  Optional<ThreadRow> thread(ThreadId id) {
    return threads.findById(id.value()).map(ThreadReads::row);
  }

  /** The thread when it is the owner's; another owner's is as missing as no thread at all. */
  Optional<ThreadRow> owned(ThreadId id, String owner) {
    return thread(id).filter(thread -> thread.owner().equals(owner));
  }

  /**
   * At most {@code limit} messages of the thread just before {@code beforeSeq} (the newest ones
   * when null), oldest first, and whether older ones remain.
   */
  MessagePage messagesBefore(ThreadId id, Long beforeSeq, int limit) {
    // one more than asked: whether anything older remains, without a count
    List<MessageEntity> newestFirst =
        messages.findByThreadIdAndSeqLessThan(
            id.value(),
            beforeSeq == null ? Long.MAX_VALUE : beforeSeq,
            Pageable.from(0, limit + 1, NEWEST_FIRST));
    boolean older = newestFirst.size() > limit;
    List<MessageRow> page = new ArrayList<>(Math.min(limit, newestFirst.size()));
    for (MessageEntity message : newestFirst.subList(0, Math.min(limit, newestFirst.size()))) {
      page.add(
          new MessageRow(
              message.id(),
              message.role(),
              message.content(),
              message.runId(),
              message.createdAt(),
              message.seq()));
    }
    Collections.reverse(page);
    return new MessagePage(page, older ? OptionalLong.of(page.get(0).seq()) : OptionalLong.empty());
  }
}
