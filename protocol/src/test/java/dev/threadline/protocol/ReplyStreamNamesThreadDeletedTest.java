package dev.threadline.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplyStreamNamesThreadDeletedTest {

  @Test
  void theDeletedSubjectEndsWithTheThreadIdAndIsOutsideTheReplyStream() {
    ReplyStreamNames names = new ReplyStreamNames("S", "threads.test");
    ThreadId thread = new ThreadId("t-1_A");

    String subject = names.threadDeletedSubject(thread);

    assertThat(subject).isEqualTo("threads.test-deleted.t-1_A");
    // the thread id reads back from the last token, as a subscriber on the wildcard sees it
    assertThat(new ThreadId(subject.substring(subject.lastIndexOf('.') + 1))).isEqualTo(thread);
    assertThat(subject).doesNotStartWith(names.subjectPrefix() + ".");
  }
}
