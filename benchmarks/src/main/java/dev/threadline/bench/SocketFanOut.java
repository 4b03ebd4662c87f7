package dev.threadline.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The other floor of a stream row: what N sockets cost on this machine with nothing else in the
 * way. One thread of a bare server (a child process, {@link #main}: each side holds N sockets)
 * writes each frame ({@code data: @<wall-clock µs>}) to every connection at the row's pace, and the
 * same {@link SseClients} as the row's reads them. What the row adds above this is HTTP, the
 * framework and the tail; this is the kernel's loopback and the reading side.
 */
final class SocketFanOut {

  private static final byte[] OPENING =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: attached\n\n"
          .getBytes(StandardCharsets.US_ASCII);

  private SocketFanOut() {}

  static Histogram floor(Path logs, String token, int clients, int chunks, int delayMs)
      throws Exception {
    int port = FreePorts.next();
    String jar =
        Path.of(SocketFanOut.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    try (ChildProcess server =
        ChildProcess.java(
            "socket-floor",
            List.of(
                "-cp",
                jar,
                SocketFanOut.class.getName(),
                String.valueOf(port),
                String.valueOf(clients),
                String.valueOf(chunks),
                String.valueOf(delayMs)),
            Map.of(),
            logs)) {
      waitForPort(port);
      try (SseClients readers = SseClients.start("http://127.0.0.1:" + port, token);
          SseClients.Group group =
              readers.attach(
                  Collections.nCopies(clients, "floor"), true, 200, Duration.ofMinutes(2))) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (group.done() < group.attachedCount() && System.nanoTime() < deadline) {
          Pause.millis(10);
        }
        return group.latency();
      }
    }
  }

  private static void waitForPort(int port) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try (SocketChannel probe = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
        return; // the probe counts as a client the server drops: it never sends a request
      } catch (IOException notYet) {
        Pause.millis(50);
      }
    }
    throw new IllegalStateException("the socket floor's server did not listen on " + port);
  }

  /**
   * The bare server: {@code port clients chunks delayMs}. Accepts until {@code clients} sent their
   * request (or none came for 10 s), then writes the frames and a {@code done}, and exits.
   */
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int clients = Integer.parseInt(args[1]);
    int chunks = Integer.parseInt(args[2]);
    int delayMs = Integer.parseInt(args[3]);
    List<SocketChannel> accepted = new ArrayList<>();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
      server.configureBlocking(false);
      long quietSince = System.nanoTime();
      ByteBuffer request = ByteBuffer.allocate(4096);
      while (accepted.size() < clients
          && System.nanoTime() - quietSince < Duration.ofSeconds(10).toNanos()) {
        SocketChannel channel = server.accept();
        if (channel == null) {
          Thread.sleep(1);
          continue;
        }
        quietSince = System.nanoTime();
        channel.configureBlocking(true);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        request.clear();
        if (channel.read(request) <= 0) {
          channel.close(); // the readiness probe
          continue;
        }
        write(channel, ByteBuffer.wrap(OPENING));
        accepted.add(channel);
      }
      Thread.sleep(500); // the last openings reach their readers
      long start = System.nanoTime();
      for (int i = 0; i < chunks; i++) {
        long due = start + (long) i * delayMs * 1_000_000L;
        while (System.nanoTime() < due) {
          Thread.sleep(0, 100_000);
        }
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
      Thread.sleep(2000);
    } finally {
      for (SocketChannel channel : accepted) {
        channel.close();
      }
    }
  }

  private static void write(SocketChannel channel, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes); // blocking: a small frame into an almost empty socket buffer
    }
  }
}
