package dev.threadline.functions.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.threadline.functions.support.ApiTestBase;
import dev.threadline.functions.support.ReplyPublisher;
import dev.threadline.functions.support.SseClient;
import dev.threadline.functions.support.SseClient.SseEvent;
import dev.threadline.functions.support.TestTokens;
import dev.threadline.protocol.ReplyEvent;
import dev.threadline.protocol.ReplyEventCodec;
import dev.threadline.protocol.ThreadId;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading must not grow the server's memory without bound: once {@code
 * max-buffered-events} wait for it, its stream ends, and it resumes with Last-Event-ID without
 * losing an event.
 */
@MicronautTest
class SlowClientTest extends ApiTestBase {

  private static final int MAX_BUFFERED = 16;
  private static final String DELTA = "x".repeat(16 * 1024);

  @Inject ReplyEventCodec codec;
  @Inject StreamLimits limits;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new HashMap<>(super.getProperties());
    properties.put("threadline.stream.max-buffered-events", Integer.toString(MAX_BUFFERED));
    return properties;
  }

  @Test
  void aClientThatDoesNotReadIsCutOffAndResumesWithoutLosingAnEvent() throws Exception {
    String owner = "slow";
    String token = TestTokens.forOwner(owner);
    ThreadId thread = new ThreadId(createThread(owner));
    try (ReplyPublisher relay = new ReplyPublisher(names, codec);
        Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5_000);
      socket
          .getOutputStream()
          .write(
              ("GET /v1/threads/"
                      + thread
                      + "/stream HTTP/1.1\r\n"
                      + "Host: localhost\r\nAccept: text/event-stream\r\nAuthorization: Bearer "
                      + token
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      awaitAttached(socket);

      UUID run = UUID.randomUUID();
      relay.publish(thread, new ReplyEvent.Reset(run, 1));
      int published = 0;
      // far more than socket buffers + Netty's watermark + the bound can hold, if nobody reads
      while (published < 2_000 && limits.open() > 0) {
        for (int i = 0; i < 50; i++) {
          relay.publish(thread, new ReplyEvent.Chunk(run, 1, published++, DELTA));
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> limits.open() == 0);
      assertThat(published).as("cut off before everything was published").isLessThan(2_000);

      List<Long> ids = readUntilTheResponseEnds(socket);
      assertThat(ids).as("delivered before the cut").isNotEmpty();
      for (int i = 1; i < ids.size(); i++) {
        assertThat(ids.get(i)).as("a gapless prefix").isEqualTo(ids.get(i - 1) + 1);
      }
      relay.publish(thread, new ReplyEvent.Done(run, 1, UUID.randomUUID(), "stop"));

      try (SseClient resumed =
          SseClient.open(
              api,
              "/v1/threads/" + thread + "/stream",
              token,
              Long.toString(ids.get(ids.size() - 1)))) {
        SseEvent next = resumed.nextEvent(Duration.ofSeconds(10));
        assertThat(Long.parseLong(next.id())).isEqualTo(ids.get(ids.size() - 1) + 1);
      }
    }
  }

  /** Reads the response up to its first comment: the client is attached. */
  private static void awaitAttached(Socket socket) throws Exception {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    StringBuilder read = new StringBuilder();
    while (!read.toString().contains(": attached")) {
      int next = in.read();
      assertThat(next).as("the response goes on").isNotNegative();
      read.append((char) next);
    }
  }

  /** The event ids of the (chunked) response, read until its last chunk. */
  private static List<Long> readUntilTheResponseEnds(Socket socket) throws Exception {
    socket.setSoTimeout(20_000);
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    while (true) {
      int read = in.read(buffer);
      if (read < 0) {
        break;
      }
      body.write(buffer, 0, read);
      String tail = tailOf(body);
      if (tail.endsWith("\r\n0\r\n\r\n")) {
        break;
      }
    }
    List<Long> ids = new ArrayList<>();
    Matcher id = Pattern.compile("(?m)^id: (\\d+)").matcher(body.toString(StandardCharsets.UTF_8));
    while (id.find()) {
      ids.add(Long.parseLong(id.group(1)));
    }
    return ids;
  }

  private static String tailOf(ByteArrayOutputStream body) {
    byte[] all = body.toByteArray();
    int from = Math.max(0, all.length - 16);
    return new String(all, from, all.length - from, StandardCharsets.US_ASCII);
  }
}
