package dev.lockkit.zookeeper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback port that accepts TCP connections and never answers on them, as a hung server or a port behind a
 * half-open firewall does: a client's connect succeeds, its handshake is never answered. {@link #close()}
 * closes the port and every connection and ends the acceptor thread.
 */
final class SilentServer implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> accepted = ConcurrentHashMap.newKeySet();

  SilentServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "silent-server-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The address to connect to, {@code 127.0.0.1:port}. */
  String connectString() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  /** How many connections were accepted so far. */
  int accepted() {
    return accepted.size();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        accepted.add(server.accept());
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  @Override
  public void close() throws Exception {
    server.close();
    acceptor.join(5_000);
    for (Socket s : accepted) {
      s.close();
    }
  }
}
