package dev.lockkit.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a loopback port in front of one Redis server that can hold back a subscription: once
 * {@link #holdNextSubscribe() armed}, the first connection whose client sends a {@code SUBSCRIBE} (or
 * {@code SSUBSCRIBE}) has that command and everything after it held, so that the server has not subscribed yet,
 * until {@link #releaseHeld()}. Everything else passes at once. Blocking sockets, two threads per connection;
 * {@link #close()} closes the port and every connection and waits for every thread.
 */
public final class SubscribeHoldingProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SubscribeHoldingProxy.class);
  private static final byte[] SUBSCRIBE = "SUBSCRIBE".getBytes(StandardCharsets.US_ASCII);

  private final InetSocketAddress upstream;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger holding = new AtomicInteger();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean closed;

  private SubscribeHoldingProxy(int upstreamPort) throws IOException {
    this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    start("accept", this::accept);
  }

  /** Starts a proxy, passing everything, in front of the server on a loopback port. */
  public static SubscribeHoldingProxy start(int upstreamPort) throws IOException {
    return new SubscribeHoldingProxy(upstreamPort);
  }

  /** The port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** Holds the next connection that sends a subscription, from that command on, until {@link #releaseHeld()}. */
  public void holdNextSubscribe() {
    armed.set(true);
  }

  /** Whether a subscription is being held back now. */
  public boolean holding() {
    return holding.get() > 0;
  }

  /** Lets what was held through, and everything after it. */
  public void releaseHeld() {
    released.countDown();
  }

  @Override
  public void close() {
    closed = true;
    released.countDown();
    closeQuietly(server);
    sockets.forEach(SubscribeHoldingProxy::closeQuietly);
    for (Thread t : new ArrayList<>(threads)) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        log.warn("proxy thread {} did not end", t.getName());
      }
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      Socket toServer = new Socket();
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        toServer.connect(upstream, 5000);
        client.setTcpNoDelay(true);
        toServer.setTcpNoDelay(true);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(toServer);
        continue;
      }
      sockets.add(client);
      sockets.add(toServer);
      start("up-" + client.getPort(), () -> pump(client, toServer, true));
      start("down-" + client.getPort(), () -> pump(toServer, client, false));
    }
  }

  private void pump(Socket from, Socket to, boolean fromClient) {
    byte[] buffer = new byte[16 * 1024];
    byte[] tail = new byte[0];
    boolean held = false;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (fromClient && !held) {
          // a command may straddle two reads: look at the end of the last one too
          byte[] window = new byte[tail.length + n];
          System.arraycopy(tail, 0, window, 0, tail.length);
          System.arraycopy(buffer, 0, window, tail.length, n);
          if (contains(window, SUBSCRIBE) && armed.compareAndSet(true, false)) {
            held = true;
            holding.incrementAndGet();
            log.debug("holding a subscription of the connection from port {}", from.getPort());
            released.await();
            holding.decrementAndGet();
          }
          // shorter than the word: a whole one already forwarded is never found again
          tail = Arrays.copyOfRange(window, Math.max(0, window.length - SUBSCRIBE.length + 1), window.length);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the connection or the proxy closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  private static boolean contains(byte[] data, byte[] upperCase) {
    String text = new String(data, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    return text.contains(new String(upperCase, StandardCharsets.US_ASCII));
  }

  private void start(String name, Runnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } finally {
        threads.remove(Thread.currentThread());
      }
    }, "subscribe-holding-proxy-" + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** For log lines and assertion messages. */
  @Override
  public String toString() {
    List<String> state = new ArrayList<>();
    state.add("port " + port());
    state.add(holding() ? "holding" : armed.get() ? "armed" : "passing");
    return "SubscribeHoldingProxy" + state;
  }
}
