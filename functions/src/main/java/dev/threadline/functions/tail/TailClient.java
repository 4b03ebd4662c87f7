package dev.threadline.functions.tail;

import dev.threadline.functions.store.RunState;
import dev.threadline.protocol.ReplyEvent;
import java.util.UUID;

/**
 * One SSE client as its thread's tail sees it: where it starts, which run it waits for the end of,
 * and what it is sent. The tail calls it from one thread at a time.
 */
public interface TailClient {

  /** The first stream sequence this client reads; the tail hands it nothing earlier. */
  long startSequence();

  /**
   * True when the client needs nothing before the latest reset of the runs it can follow: it
   * follows the run in progress or waits for the next one (it does not resume after an id).
   */
  boolean startsAtARun();

  /** The run whose end this client waits for; null while it waits for a next run. */
  UUID followedRun();

  /**
   * True when {@code event} says the followed run is over although its terminal event was not read
   * (the reset of a later run): the tail then ends that run from its row first.
   */
  boolean endedBy(TailedEvent event);

  /** The next event of the subject at or after {@link #startSequence()}, in order. */
  void deliver(TailedEvent event);

  /** The followed run's end, read from its terminal row: the bus never said it to this client. */
  void endFromRow(RunState state, ReplyEvent end);

  /**
   * The run this client saw end last, while it waits for the next one (following across runs); null
   * otherwise.
   */
  UUID waitingAfter();

  /**
   * A whole run, told from its terminal row, that ran after {@link #waitingAfter()} while the tail
   * could not read it (purged by the next run's start): the client shows it as if it had read it.
   */
  void missedRun(RunState state, ReplyEvent end);

  /** Ends the client's stream cleanly (it may resume with Last-Event-ID). */
  void end();

  /** True once its stream ended or the client left; the tail then forgets it. */
  boolean ended();
}
