package dev.threadline.testsupport;

import dev.threadline.protocol.ReplyStreamNames;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** Stream and subject names private to one test class, so runs of the suite never meet. */
public final class TestReplyStream {

  private TestReplyStream() {}

  public static ReplyStreamNames unique() {
    String token = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return new ReplyStreamNames(
        "TEST_" + token.toUpperCase(Locale.ROOT), "test_" + token + ".threads");
  }

  /** Micronaut properties for functions and relay. */
  public static Map<String, String> properties(ReplyStreamNames names) {
    return Map.of(
        "threadline.replies.stream", names.stream(),
        "threadline.replies.subject-prefix", names.subjectPrefix());
  }

  /** Environment variables for a jar started as a process. */
  public static Map<String, String> environment(ReplyStreamNames names) {
    return Map.of(
        "THREADLINE_REPLIES_STREAM", names.stream(),
        "THREADLINE_REPLIES_SUBJECT_PREFIX", names.subjectPrefix());
  }
}
