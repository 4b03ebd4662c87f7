package dev.threadline.functions.store;

import dev.threadline.protocol.ThreadId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An owner's threads as a whole: listing them, paging one back in time, deleting one. Scoped to the
 * owner like {@link ThreadStore}: another owner's thread is indistinguishable from a missing one.
 */
public interface ThreadDirectory {

  /** The most threads one page holds. */
  int MAX_PAGE = 100;

  /**
   * The owner's threads, most recently active first (ties by id), starting after {@code after}
   * (from the start when null); at most {@code limit}.
   */
  ThreadPage listThreads(String owner, ThreadListPosition after, int limit);

  /**
   * Messages of the thread older than {@code beforeSeq}, at most {@code limit}, oldest first. Empty
   * when the thread is not the owner's.
   */
  Optional<MessagePage> olderMessages(ThreadId id, String owner, long beforeSeq, int limit);

  /**
   * Deletes the thread with its messages and runs in one transaction. Its running runs are told to
   * stop (the relays' cancel notification, delivered at the commit).
   *
   * @return the ids of the runs that were running, empty when there was no such thread for this
   *     owner
   */
  Optional<List<UUID>> deleteThread(ThreadId id, String owner);
}
