package dev.threadline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Many SSE clients of {@code GET /v1/threads/{id}/stream} on one selector thread: no thread and no
 * HTTP client state per connection, so ten thousand fit in the benchmark process and its own cost
 * stays small beside the server's. Each connection is a plain socket: it sends the request, then
 * scans what arrives for the pacing mock's stamps ({@code @} and 16 digits: the wall-clock
 * microsecond of the emit, {@code stamp=1}), {@code event: done} and the {@code : attached}
 * comment. Latency is the read's wall-clock microsecond minus the stamp (one machine, one clock).
 */
final class SseClients implements AutoCloseable {

  /** A pattern never spans more than this many characters: what a read keeps of the last one. */
  private static final int CARRY = 48;

  private final InetSocketAddress address;
  private final String host;
  private final String token;
  private final Selector selector;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Thread loop;
  private volatile boolean closed;

  private SseClients(String baseUrl, String token) throws IOException {
    URI uri = URI.create(baseUrl);
    this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
    this.host = uri.getHost() + ":" + uri.getPort();
    this.token = token;
    this.selector = Selector.open();
    this.loop = new Thread(this::run, "sse-clients");
    this.loop.setDaemon(true);
    this.loop.start();
  }

  static SseClients start(String baseUrl, String token) {
    try {
      return new SseClients(baseUrl, token);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens one stream per entry of {@code threads} (a thread may repeat: several clients of one
   * thread), at most {@code connecting} at a time, and waits until every one is attached (its
   * {@code : attached} comment arrived: what is published from then on reaches it). When the
   * timeout passes with at least 99 % attached, the group is returned as it is (a row then counts
   * the clients it has, see {@link Group#attachedCount()}).
   */
  Group attach(List<String> threads, boolean follow, int connecting, Duration timeout)
      throws Exception {
    Group group = new Group(threads, follow, connecting);
    tasks.add(group::openMore);
    selector.wakeup();
    try {
      group.attached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      if (group.attachedCount() * 100L >= threads.size() * 99L) {
        Bench.say(
            "  "
                + group.attachedCount()
                + " of "
                + threads.size()
                + " streams attached after "
                + timeout.toSeconds()
                + " s; going on with them");
        return group;
      }
      group.close();
      throw new IllegalStateException(
          group.attachedCount() + " of " + threads.size() + " streams attached: " + e, e);
    } catch (Exception e) {
      group.close();
      throw new IllegalStateException(
          group.attachedCount() + " of " + threads.size() + " streams attached: " + e, e);
    }
    return group;
  }

  /** The streams of one {@link #attach}: their chunk latencies and the terminal events seen. */
  final class Group implements AutoCloseable {
    private final Queue<String> toOpen;
    private final boolean follow;
    private final int connecting;
    private final List<Connection> connections = new ArrayList<>();
    private final CompletableFuture<Void> attached = new CompletableFuture<>();
    private final Histogram latency = Row.histogram();
    private final int size;
    private int opening;
    private int attachedCount;
    private int done;

    private Group(List<String> threads, boolean follow, int connecting) {
      this.toOpen = new ArrayDeque<>(threads);
      this.size = threads.size();
      this.follow = follow;
      this.connecting = connecting;
      if (threads.isEmpty()) {
        attached.complete(null);
      }
    }

    int size() {
      return size;
    }

    synchronized int attachedCount() {
      return attachedCount;
    }

    /** The {@code done} events received, all connections together. */
    synchronized int done() {
      return done;
    }

    /** A copy of the latencies recorded so far (microseconds). */
    synchronized Histogram latency() {
      return latency.copy();
    }

    /** Forgets the latencies recorded so far (a warm-up's). */
    synchronized void resetLatency() {
      latency.reset();
    }

    /** Closes every connection (the server sees each client leave) and waits for it. */
    @Override
    public void close() {
      CompletableFuture<Void> closedAll = new CompletableFuture<>();
      tasks.add(
          () -> {
            toOpen.clear();
            connections.forEach(Connection::close);
            connections.clear();
            closedAll.complete(null);
          });
      selector.wakeup();
      try {
        closedAll.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("closing streams: " + e, e);
      }
    }

    /** On the loop: starts connections until {@code connecting} are under way. */
    private void openMore() {
      while (opening < connecting && !toOpen.isEmpty()) {
        String thread = toOpen.poll();
        try {
          connections.add(new Connection(this, thread));
          opening++;
        } catch (IOException e) {
          attached.completeExceptionally(e);
          return;
        }
      }
    }

    private String request(String thread) {
      return "GET /v1/threads/"
          + thread
          + "/stream"
          + (follow ? "?follow=true" : "")
          + " HTTP/1.1\r\nHost: "
          + host
          + "\r\nAuthorization: Bearer "
          + token
          + "\r\nAccept: text/event-stream\r\n\r\n";
    }

    private void attachedOne() {
      synchronized (this) {
        attachedCount++;
      }
      opening--;
      if (attachedCount() == size) {
        attached.complete(null);
      }
      openMore();
    }

    private void failed(String thread, String why) {
      attached.completeExceptionally(new IllegalStateException("stream of " + thread + ": " + why));
    }

    private synchronized void record(long micros, int doneEvents) {
      if (micros >= 0) {
        latency.recordValue(micros);
      }
      done += doneEvents;
    }
  }

  /** One socket; touched on the loop only. */
  private final class Connection {
    private final Group group;
    private final String thread;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final ByteBuffer request;
    private final ByteBuffer input = ByteBuffer.allocate(16 * 1024);
    private String carry = "";
    private boolean statusRead;
    private boolean attached;

    Connection(Group group, String thread) throws IOException {
      this.group = group;
      this.thread = thread;
      this.request = ByteBuffer.wrap(group.request(thread).getBytes(StandardCharsets.US_ASCII));
      this.channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
      boolean connected = channel.connect(address);
      this.key =
          channel.register(
              selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, this);
    }

    void ready() {
      try {
        if (key.isConnectable() && channel.finishConnect()) {
          key.interestOps(SelectionKey.OP_WRITE);
        }
        if (key.isValid() && key.isWritable()) {
          channel.write(request);
          if (!request.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ);
          }
        }
        if (key.isValid() && key.isReadable()) {
          read();
        }
      } catch (IOException e) {
        close();
        if (!attached) {
          group.failed(thread, e.toString());
        }
      }
    }

    private void read() throws IOException {
      int read = channel.read(input);
      if (read < 0) {
        close();
        if (!attached) {
          group.failed(thread, "closed before it attached");
        }
        return;
      }
      long now = SseAttacher.epochMicros();
      input.flip();
      String text =
          carry + new String(input.array(), 0, input.limit(), StandardCharsets.ISO_8859_1);
      input.clear();
      int fresh = carry.length(); // a match ending at or before this was counted last time
      if (!statusRead) {
        if (text.length() < 12) {
          carry = text;
          return;
        }
        statusRead = true;
        if (!text.startsWith("HTTP/1.1 200")) {
          close();
          group.failed(thread, text.substring(0, Math.min(80, text.length())).trim());
          return;
        }
      }
      if (!attached && text.indexOf(": attached") >= 0) {
        attached = true;
        group.attachedOne();
      }
      int done = 0;
      for (int at = text.indexOf("event: done");
          at >= 0;
          at = text.indexOf("event: done", at + 1)) {
        if (at + 11 > fresh) {
          done++;
        }
      }
      for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
        if (at + 17 <= text.length() && at + 17 > fresh && digits(text, at + 1, 16)) {
          group.record(now - Long.parseLong(text, at + 1, at + 17, 10), 0);
        }
      }
      if (done > 0) {
        group.record(-1, done);
      }
      carry = text.length() > CARRY ? text.substring(text.length() - CARRY) : text;
    }

    void close() {
      key.cancel();
      try {
        channel.close();
      } catch (IOException ignored) {
        // closing: nothing left to do
      }
    }
  }

  private static boolean digits(String text, int from, int count) {
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private void run() {
    try {
      while (!closed) {
        selector.select(100);
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid()) {
            ((Connection) key.attachment()).ready();
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      loop.join(5000);
      selector.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException ignored) {
      // closing
    }
  }
}
