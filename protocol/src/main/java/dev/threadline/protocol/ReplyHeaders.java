package dev.threadline.protocol;

/** NATS message headers that carry a reply event's routing data; the body is its JSON data. */
public final class ReplyHeaders {
  public static final String EVENT = "Threadline-Event";
  public static final String RUN_ID = "Threadline-Run-Id";
  public static final String EPOCH = "Threadline-Epoch";

  /**
   * The subject's last sequence the publisher expected (and the broker confirmed) before this
   * event: the sequence of the event before it on the subject, 0 on an empty one. A reader that
   * read up to a lower sequence missed an event (a consumer that skipped one in a leader change),
   * unless this event is a reset, which starts a run over whatever came before.
   */
  public static final String PREVIOUS = "Threadline-Previous";

  private ReplyHeaders() {}
}
