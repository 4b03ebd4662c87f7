package dev.threadline.completion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A mocked provider on a raw socket, for what MockServer cannot do: write an event stream piece by
 * piece, stall in the middle of it, or cut the connection in the middle of a chunk. Each accepted
 * connection plays the script; {@link #close} releases every stalled script.
 */
final class ScriptedProvider implements AutoCloseable {

  @FunctionalInterface
  interface Script {
    void play(Exchange exchange) throws Exception;
  }

  private final ServerSocket server;
  private final ExecutorService threads;
  private final CountDownLatch released = new CountDownLatch(1);

  private ScriptedProvider(Script script) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread = new Thread(runnable, "scripted-provider");
              thread.setDaemon(true);
              return thread;
            });
    threads.submit(() -> acceptLoop(script));
  }

  static ScriptedProvider start(Script script) throws IOException {
    return new ScriptedProvider(script);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
  }

  private void acceptLoop(Script script) {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        threads.submit(() -> serve(socket, script));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket, Script script) {
    try (socket) {
      socket.setTcpNoDelay(true);
      Exchange exchange = new Exchange(socket);
      exchange.readRequest();
      script.play(exchange);
    } catch (Exception ignored) {
      // the client went away, or the test ended: both are fine for a mock
    }
  }

  @Override
  public void close() throws IOException {
    released.countDown();
    server.close();
    threads.shutdownNow();
  }

  /** One request and the means to answer it badly. */
  final class Exchange {
    private final Socket socket;
    private final OutputStream out;

    private Exchange(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
    }

    private void readRequest() throws IOException {
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("client closed before sending a request");
        }
        head.write(b);
      }
      int length = 0;
      for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).strip());
        }
      }
      in.readNBytes(length);
    }

    /** 200 with an event stream in chunked encoding. */
    void sendEventStreamHeaders() throws IOException {
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** One HTTP chunk, sent at once. */
    void sendChunk(byte[] bytes) throws IOException {
      out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(bytes);
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    void sendChunk(String text) throws IOException {
      sendChunk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Every byte of {@code text} in a chunk (and a TCP segment) of its own. */
    void sendByteByByte(String text) throws IOException {
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        sendChunk(new byte[] {b});
      }
    }

    void endChunkedBody() throws IOException {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** Holds the connection open, silent, until the test closes the provider. */
    void stall() throws InterruptedException {
      released.await();
    }

    /** Cuts the connection at once with a TCP reset. */
    void reset() throws IOException {
      socket.setSoLinger(true, 0);
      socket.close();
    }
  }
}
