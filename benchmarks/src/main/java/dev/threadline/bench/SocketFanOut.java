package dev.threadline.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;

/**
 * The other floor of a stream row: what N sockets cost on this machine with nothing else in the
 * way. One thread of a bare server writes each frame ({@code data: @<wall-clock µs>}) to every
 * connection, at the row's pace, and the same {@link SseClients} as the row's reads them. What the
 * row adds above this is HTTP, the framework and the tail; what this costs is the kernel's loopback
 * and the reading side.
 */
final class SocketFanOut {

  private static final byte[] OPENING =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: attached\n\n"
          .getBytes(StandardCharsets.US_ASCII);

  private SocketFanOut() {}

  static Histogram floor(String token, int clients, int chunks, int delayMs) throws Exception {
    List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      Thread acceptor =
          Thread.ofPlatform()
              .daemon()
              .name("socket-floor-accept")
              .start(
                  () -> {
                    try {
                      while (accepted.size() < clients) {
                        SocketChannel channel = server.accept();
                        channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                        write(channel, ByteBuffer.wrap(OPENING));
                        accepted.add(channel);
                      }
                    } catch (IOException e) {
                      // the floor ends: its caller sees fewer attached
                    }
                  });
      try (SseClients readers = SseClients.start("http://127.0.0.1:" + port, token);
          SseClients.Group group =
              readers.attach(
                  Collections.nCopies(clients, "floor"), true, 200, Duration.ofMinutes(1))) {
        acceptor.join(10_000);
        long start = System.nanoTime();
        for (int i = 0; i < chunks; i++) {
          Pause.untilNanos(start + (long) i * delayMs * 1_000_000L);
          byte[] frame =
              ("event: chunk\ndata: {\"delta\":\" @" + SseAttacher.epochMicros() + "\"}\n\n")
                  .getBytes(StandardCharsets.US_ASCII);
          for (SocketChannel channel : accepted) {
            write(channel, ByteBuffer.wrap(frame));
          }
        }
        byte[] done = "event: done\ndata: {}\n\n".getBytes(StandardCharsets.US_ASCII);
        for (SocketChannel channel : accepted) {
          write(channel, ByteBuffer.wrap(done));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (group.done() < group.attachedCount() && System.nanoTime() < deadline) {
          Pause.millis(10);
        }
        return group.latency();
      } finally {
        for (SocketChannel channel : accepted) {
          channel.close();
        }
      }
    }
  }

  private static void write(SocketChannel channel, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes); // blocking: a small frame into an empty socket buffer
    }
  }
}
