package dev.threadline.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;

/** Ports nobody listens on, never the ones a running local stack holds. */
final class FreePorts {

  private static final Set<Integer> LOCAL_STACK = Set.of(8080, 8081, 8090, 8091, 8092, 8099);

  private FreePorts() {}

  static int next() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (!LOCAL_STACK.contains(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
