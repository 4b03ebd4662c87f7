package dev.threadline.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ThreadIdTest {

  @Test
  void idsThatWouldWidenOrBreakASubjectAreRefused() {
    for (String bad :
        new String[] {"", "a.b", "a*", ">", "a b", "a\tb", "x".repeat(65), "é", null}) {
      assertThat(ThreadId.isValid(bad)).as("%s", bad).isFalse();
    }
    assertThatThrownBy(() -> new ThreadId("a.b")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void idsOfTheAllowedAlphabetMakeOneSubjectToken() {
    ThreadId id = new ThreadId("Thread_01-" + "x".repeat(54));
    assertThat(ReplyStreamNames.DEFAULT.subjectFor(id)).isEqualTo("threads." + id.value());
    assertThat(ReplyStreamNames.DEFAULT.allSubjects()).isEqualTo("threads.>");
  }
}
