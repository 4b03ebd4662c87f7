package dev.threadline.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplyStreamNamesWakeUpTest {

  @Test
  void theWakeUpSubjectSitsBesideTheReplySubjectsSoTheReplyStreamNeverStoresAWakeUp() {
    ReplyStreamNames names = new ReplyStreamNames("S", "tenant.threads");

    assertThat(names.wakeUpSubject()).isEqualTo("tenant.threads-wakeup");
    // the stream binds "<prefix>.>": a subject matches it only if it starts with "<prefix>."
    assertThat(names.wakeUpSubject()).doesNotStartWith(names.subjectPrefix() + ".");
  }
}
