package dev.threadline.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventReaderTest {

  @Test
  void reassemblesEventsDeliveredOneByteAtATimeIncludingASplitMultiByteCharacter()
      throws IOException {
    String stream = "data: {\"c\":\"Grüße 😀\"}\n\ndata: {\"c\":\"€\"}\n\ndata: [DONE]\n\n";

    assertThat(readAll(oneByteAtATime(stream)))
        .containsExactly("{\"c\":\"Grüße 😀\"}", "{\"c\":\"€\"}", "[DONE]");
  }

  @Test
  void acceptsCrLfAndLoneCrLineEndingsAlsoSplitBetweenReads() throws IOException {
    String stream = "data: a\r\n\r\ndata: b\r\rdata: c\n\r\n";

    assertThat(readAll(oneByteAtATime(stream))).containsExactly("a", "b", "c");
  }

  @Test
  void ignoresCommentsOtherFieldsAndEventsWithoutData() throws IOException {
    String stream =
        ": OPENROUTER PROCESSING\n\nevent: message\nid: 7\nretry: 1000\ndata: x\n\n"
            + "id: 8\n\n: keep-alive\ndatum: y\n\n";

    assertThat(readAll(bytes(stream))).containsExactly("x");
  }

  @Test
  void readsDataWithoutTheSpaceAfterTheColonAndKeepsFurtherSpaces() throws IOException {
    assertThat(readAll(bytes("data:{\"a\":1}\n\ndata:  two\n\ndata\n\n")))
        .containsExactly("{\"a\":1}", " two", "");
  }

  @Test
  void skipsAByteOrderMarkAtTheStartOfTheStream() throws IOException {
    assertThat(readAll(oneByteAtATime("\uFEFFdata: a\n\n"))).containsExactly("a");
  }

  @Test
  void joinsTheDataLinesOfOneEventWithLineFeeds() throws IOException {
    assertThat(readAll(bytes("data: {\"a\":\ndata: 1}\n\n"))).containsExactly("{\"a\":\n1}");
  }

  @Test
  void returnsAPendingEventAtEndOfStreamButDropsAnUnterminatedLine() throws IOException {
    assertThat(readAll(bytes("data: [DONE]\n"))).containsExactly("[DONE]");
    assertThat(readAll(bytes("data: a\n\ndata: {\"cut"))).containsExactly("a");
  }

  @Test
  void refusesALineLongerThanTheLimit() {
    byte[] huge = new byte[ServerSentEventReader.MAX_LINE_BYTES + 10];
    Arrays.fill(huge, (byte) 'x');
    ServerSentEventReader reader = new ServerSentEventReader(new ByteArrayInputStream(huge));

    assertThatThrownBy(reader::nextData)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer");
  }

  private static List<String> readAll(InputStream in) throws IOException {
    ServerSentEventReader reader = new ServerSentEventReader(in);
    List<String> data = new ArrayList<>();
    for (String next = reader.nextData(); next != null; next = reader.nextData()) {
      data.add(next);
    }
    return data;
  }

  private static InputStream bytes(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Like a network that delivers one byte per packet. */
  private static InputStream oneByteAtATime(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1));
      }
    };
  }
}
