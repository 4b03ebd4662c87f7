package dev.threadline.functions.support;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An SSE response read over a plain socket, on the caller's thread: many of them cost the test JVM
 * no thread (where the JVM's thread count is what a test measures).
 */
public final class RawSseSocket implements AutoCloseable {

  private final Socket socket;
  private final ByteArrayOutputStream read = new ByteArrayOutputStream();

  private RawSseSocket(Socket socket) {
    this.socket = socket;
  }

  /** Sends the request and reads up to the first comment: the client is attached. */
  public static RawSseSocket open(URI server, String pathAndQuery, String token) {
    try {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5_000);
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + pathAndQuery
                      + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                      + "Authorization: Bearer "
                      + token
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      RawSseSocket raw = new RawSseSocket(socket);
      if (!raw.readUntil(": attached", Duration.ofSeconds(10))) {
        throw new IllegalStateException("not attached: " + raw.text());
      }
      return raw;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads until {@code marker} was read; false on timeout or when the response ends first. */
  public boolean readUntil(String marker, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (!text().contains(marker)) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) Math.max(1, left));
        int n = in.read(buffer);
        if (n < 0) {
          return false;
        }
        read.write(buffer, 0, n);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** True when the (chunked) response ends within {@code timeout}. */
  public boolean ended(Duration timeout) {
    return readUntil("\r\n0\r\n\r\n", timeout);
  }

  /** Everything read so far, headers included. */
  public String text() {
    return read.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (java.io.IOException e) {
      // closing
    }
  }
}
