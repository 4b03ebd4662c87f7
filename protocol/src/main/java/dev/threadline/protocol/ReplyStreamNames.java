package dev.threadline.protocol;

import java.util.regex.Pattern;

/**
 * Where replies live on JetStream: one stream for all threads, one subject per thread ({@code
 * <prefix>.<threadId>}). Tests pass their own names to isolate themselves.
 */
public record ReplyStreamNames(String stream, String subjectPrefix) {

  private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern PREFIX =
      Pattern.compile("[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64})*");
  public static final ReplyStreamNames DEFAULT =
      new ReplyStreamNames("THREADLINE_REPLIES", "threads");

  public ReplyStreamNames {
    if (stream == null || !STREAM.matcher(stream).matches()) {
      throw new IllegalArgumentException("reply stream name must match " + STREAM.pattern());
    }
    if (subjectPrefix == null || !PREFIX.matcher(subjectPrefix).matches()) {
      throw new IllegalArgumentException(
          "reply subject prefix must be dot-separated tokens of [A-Za-z0-9_-]");
    }
  }

  public String subjectFor(ThreadId threadId) {
    return subjectPrefix + "." + threadId.value();
  }

  /**
   * The core NATS subject (no stream stores it) on which functions wake the relays after a submit
   * commits. It sits beside the reply subjects, not under them: {@code <prefix>.>} would make the
   * reply stream keep every wake-up.
   */
  public String wakeUpSubject() {
    return subjectPrefix + "-wakeup";
  }

  /**
   * The core NATS subject (no stream stores it) on which functions announce that a thread was
   * deleted, so that every instance ends that thread's open streams. Beside the reply subjects for
   * the same reason as {@link #wakeUpSubject()}.
   */
  public String threadDeletedSubject(ThreadId threadId) {
    return subjectPrefix + "-deleted." + threadId.value();
  }

  /** The wildcard the stream is bound to. */
  public String allSubjects() {
    return subjectPrefix + ".>";
  }
}
