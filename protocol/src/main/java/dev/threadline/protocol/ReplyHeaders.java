package dev.threadline.protocol;

/** NATS message headers that carry a reply event's routing data; the body is its JSON data. */
public final class ReplyHeaders {
  public static final String EVENT = "Threadline-Event";
  public static final String RUN_ID = "Threadline-Run-Id";
  public static final String EPOCH = "Threadline-Epoch";

  private ReplyHeaders() {}
}
