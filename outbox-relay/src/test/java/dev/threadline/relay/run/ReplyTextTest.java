package dev.threadline.relay.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyTextTest {

  private static List<String> publish(ReplyText text, String... deltas) {
    List<String> published = new ArrayList<>();
    for (String delta : deltas) {
      published.add(text.accept(delta));
    }
    published.add(text.finish());
    return published;
  }

  @Test
  void nulAndLoneSurrogatesBecomeTheReplacementCharacterInDeltasAndContentAlike() {
    ReplyText text = new ReplyText();

    List<String> published = publish(text, "a\u0000b", "\udc00x", "y\ud800z");

    assertThat(published).containsExactly("a\uFFFDb", "\uFFFDx", "y\uFFFDz", "");
    assertThat(String.join("", published)).isEqualTo(text.content());
  }

  @Test
  void aSurrogatePairSplitAcrossDeltasIsKeptWhole() {
    ReplyText text = new ReplyText();

    List<String> published = publish(text, "smile \ud83d", "\ude00!");

    assertThat(published).containsExactly("smile ", "\ud83d\ude00!", "");
    assertThat(text.content()).isEqualTo("smile 😀!");
  }

  @Test
  void aHighSurrogateLeftAtTheEndIsReplacedWhenTheStreamEnds() {
    ReplyText text = new ReplyText();

    List<String> published = publish(text, "end \ud83d");

    assertThat(published).containsExactly("end ", "\uFFFD");
    assertThat(text.content()).isEqualTo("end \uFFFD");
  }

  @Test
  void ordinaryTextPassesUnchanged() {
    ReplyText text = new ReplyText();

    assertThat(publish(text, "Grüße, 世界 😀\t\n")).containsExactly("Grüße, 世界 😀\t\n", "");
  }
}
