package dev.threadline.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of one target, for tests that must cut a process's
 * connections (to PostgreSQL, say) without touching the process or the server: {@link #cutAll()}
 * resets every open connection; {@link #refuse()} makes new ones fail until {@link #accept()}.
 */
public final class TcpProxy implements AutoCloseable {

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket listener;
  private final ExecutorService pumps;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean refusing = new AtomicBoolean();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean closed;

  private TcpProxy(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    AtomicInteger threads = new AtomicInteger();
    this.pumps =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread = new Thread(runnable, "tcp-proxy-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    pumps.execute(this::acceptLoop);
  }

  public static TcpProxy to(String targetHost, int targetPort) {
    try {
      return new TcpProxy(targetHost, targetPort);
    } catch (IOException e) {
      throw new IllegalStateException("opening a proxy to " + targetHost + ":" + targetPort, e);
    }
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** How many client connections the proxy has accepted so far. */
  public int connectionsAccepted() {
    return accepted.get();
  }

  public int connectionsOpen() {
    return open.size() / 2;
  }

  /** Resets every open connection, both sides, as a network failure would. */
  public void cutAll() {
    for (Socket socket : Set.copyOf(open)) {
      reset(socket);
    }
  }

  /** New connections are closed at once until {@link #accept()}. */
  public void refuse() {
    refusing.set(true);
  }

  public void accept() {
    refusing.set(false);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      if (refusing.get()) {
        reset(client);
        continue;
      }
      accepted.incrementAndGet();
      try {
        Socket server = new Socket(targetHost, targetPort);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        open.add(client);
        open.add(server);
        pumps.execute(() -> pump(client, server));
        pumps.execute(() -> pump(server, client));
      } catch (IOException e) {
        reset(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException ignored) {
      // a cut or a peer's close: tear down both sides below
    } finally {
      reset(from);
      reset(to);
    }
  }

  private void reset(Socket socket) {
    open.remove(socket);
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cutAll();
    pumps.shutdownNow();
  }
}
