package dev.lockkit.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a loopback port in front of one server, for putting a network fault between a client and
 * its server: {@link #pass()} forwards bytes as they come, {@link #delay(Duration)} holds every chunk for a
 * while before forwarding it (latency, not lower throughput), {@link #blackhole()} accepts and keeps
 * connections but forwards nothing, as a partition does (what was sent meanwhile is held, as TCP would keep
 * retransmitting it, and flows once the proxy passes again, unless the connections are reset), and
 * {@link #resetAll()} kills every open connection with a TCP reset on both sides.
 *
 * <p>Blocking sockets: one acceptor thread, and per connection a reader and a writer thread for each
 * direction, with a bounded queue between them so that a withheld direction pushes back on its sender.
 * At most {@value #MAX_CONNECTIONS} connections; connecting to the server is bounded by
 * {@link #CONNECT_TIMEOUT}. {@link #close()} closes the port and every connection and ends every thread.
 */
public final class TcpProxy implements AutoCloseable {
  /** The most connections proxied at once; more are refused. */
  public static final int MAX_CONNECTIONS = 64;
  /** The bound of connecting to the server. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final int CHUNK = 16 * 1024;
  private static final int QUEUED_CHUNKS = 64;

  private enum Kind { PASS, DELAY, BLACKHOLE }

  /** {@code upOnly}: the delay holds what the client sends only, not what the server answers. */
  private record Mode(Kind kind, long delayNanos, boolean upOnly) {}

  private final InetSocketAddress upstream;
  private final ServerSocket server;
  private final Thread acceptor;
  private final String id = "tcp-proxy-" + IDS.incrementAndGet();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private volatile Mode mode = new Mode(Kind.PASS, 0, false);
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = thread(id + "-accept", this::accept);
    acceptor.start();
  }

  /**
   * Starts a proxy on a free loopback port, passing.
   *
   * @param upstream the server's address
   * @return the running proxy
   * @throws IOException if no port could be opened
   */
  public static TcpProxy start(InetSocketAddress upstream) throws IOException {
    return new TcpProxy(upstream);
  }

  /**
   * Starts a proxy on a free loopback port in front of a loopback server port.
   *
   * @param upstreamPort the server's port on the loopback address
   * @return the running proxy
   * @throws IOException if no port could be opened
   */
  public static TcpProxy start(int upstreamPort) throws IOException {
    return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
  }

  /**
   * The port clients connect to.
   *
   * @return the proxy's port on the loopback address
   */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * The address clients connect to.
   *
   * @return the proxy's loopback address and port
   */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  /** Forwards everything at once, including what a blackhole held back. */
  public void pass() {
    setMode(new Mode(Kind.PASS, 0, false));
  }

  /**
   * Holds each chunk read from now on for {@code delay} before forwarding it, in both directions.
   *
   * @param delay the added latency, positive
   */
  public void delay(Duration delay) {
    if (delay.isNegative() || delay.isZero()) {
      throw new IllegalArgumentException("delay must be positive, was " + delay);
    }
    setMode(new Mode(Kind.DELAY, delay.toNanos(), false));
  }

  /**
   * Holds each chunk the client sends from now on for {@code delay} before forwarding it to the server; what the
   * server sends passes at once, as on a link that is slow one way only.
   *
   * @param delay the added latency toward the server, positive
   */
  public void delayTowardServer(Duration delay) {
    if (delay.isNegative() || delay.isZero()) {
      throw new IllegalArgumentException("delay must be positive, was " + delay);
    }
    setMode(new Mode(Kind.DELAY, delay.toNanos(), true));
  }

  /** Forwards nothing in either direction until {@link #pass()} or {@link #delay}; still accepts. */
  public void blackhole() {
    setMode(new Mode(Kind.BLACKHOLE, 0, false));
  }

  /** Resets every open connection (TCP RST to client and server); new connections are accepted as before. */
  public void resetAll() {
    for (Link link : links) {
      link.close(true);
    }
  }

  /**
   * How many connections are open.
   *
   * @return the number of proxied connections
   */
  public int connections() {
    return links.size();
  }

  /** Closes the port and every connection, and waits a few seconds for every thread to end. */
  @Override
  public void close() {
    closed = true;
    setMode(mode); // wake writers that wait
    try {
      server.close();
    } catch (IOException e) {
      log.debug("{}: closing the port failed", id, e);
    }
    resetAll();
    List<Thread> all = new ArrayList<>(threads);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (Thread t : all) {
      long left = until - System.nanoTime();
      try {
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        log.warn("{}: thread {} did not end", id, t.getName());
      }
    }
  }

  /**
   * The names of the proxy's threads that are still alive, for leak checks.
   *
   * @return thread names
   */
  public List<String> liveThreads() {
    return threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
  }

  private synchronized void setMode(Mode m) {
    mode = m;
    notifyAll();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("{}: stopped accepting", id, e);
        }
        return;
      }
      if (links.size() >= MAX_CONNECTIONS) {
        log.warn("{}: refusing a connection, {} are open", id, MAX_CONNECTIONS);
        closeQuietly(client);
        continue;
      }
      Socket server = new Socket();
      try {
        server.connect(upstream, (int) CONNECT_TIMEOUT.toMillis());
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
      } catch (IOException e) {
        log.debug("{}: cannot reach {}", id, upstream, e);
        closeQuietly(server);
        closeQuietly(client);
        continue;
      }
      Link link = new Link(client, server);
      links.add(link);
      link.start();
    }
  }

  private Thread thread(String name, Runnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } finally {
        threads.remove(Thread.currentThread());
      }
    }, name);
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  /** A chunk of bytes and when it may be forwarded; an empty chunk marks the end of the stream. */
  private record Chunk(byte[] bytes, long dueNanos) {}

  /** One proxied connection: client and server sockets, and a pump each way. */
  private final class Link {
    private final Socket client;
    private final Socket server;
    private final AtomicInteger openDirections = new AtomicInteger(2);
    private volatile boolean closed;

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      String name = id + "-" + client.getPort();
      pump(client, server, name + "-up", true);
      pump(server, client, name + "-down", false);
    }

    private void pump(Socket from, Socket to, String name, boolean up) {
      BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
      Thread reader = thread(name + "-read", () -> read(from, queue, up));
      Thread writer = thread(name + "-write", () -> write(to, queue));
      reader.start();
      writer.start();
    }

    private void read(Socket from, BlockingQueue<Chunk> queue, boolean up) {
      byte[] buffer = new byte[CHUNK];
      try {
        InputStream in = from.getInputStream();
        while (!closed) {
          int n = in.read(buffer);
          Mode m = mode;
          long due = System.nanoTime() + (m.kind() == Kind.DELAY && (up || !m.upOnly()) ? m.delayNanos() : 0);
          Chunk chunk = new Chunk(n < 0 ? new byte[0] : Arrays.copyOf(buffer, n), due);
          // bounded: a withheld direction fills up and stops reading, which pushes back on the sender
          while (!closed && !queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            // wait for room
          }
          if (n < 0) {
            return;
          }
        }
      } catch (IOException e) {
        close(false);
      } catch (InterruptedException e) {
        close(false);
      }
    }

    private void write(Socket to, BlockingQueue<Chunk> queue) {
      try {
        OutputStream out = to.getOutputStream();
        while (!closed) {
          Chunk chunk = queue.poll(100, TimeUnit.MILLISECONDS);
          if (chunk == null) {
            continue;
          }
          if (!awaitForwarding(chunk.dueNanos())) {
            return;
          }
          if (chunk.bytes().length == 0) {
            to.shutdownOutput(); // pass the half-close on
            if (openDirections.decrementAndGet() == 0) {
              close(false);
            }
            return;
          }
          out.write(chunk.bytes());
          out.flush();
        }
      } catch (IOException e) {
        close(false);
      } catch (InterruptedException e) {
        close(false);
      }
    }

    /** Waits while the proxy blackholes and until the chunk is due; false once the link is closed. */
    private boolean awaitForwarding(long dueNanos) throws InterruptedException {
      synchronized (TcpProxy.this) {
        while (!closed && !TcpProxy.this.closed) {
          Mode m = mode;
          long wait;
          if (m.kind() == Kind.BLACKHOLE) {
            wait = TimeUnit.MILLISECONDS.toNanos(100);
          } else if (m.kind() == Kind.PASS) {
            return true;
          } else {
            wait = dueNanos - System.nanoTime();
            if (wait <= 0) {
              return true;
            }
          }
          TimeUnit.NANOSECONDS.timedWait(TcpProxy.this, Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
        }
        return false;
      }
    }

    void close(boolean reset) {
      if (closed) {
        return;
      }
      closed = true;
      links.remove(this);
      for (Socket s : List.of(client, server)) {
        if (reset) {
          try {
            s.setSoLinger(true, 0); // close() now sends RST instead of FIN
          } catch (IOException e) {
            // already closed
          }
        }
        closeQuietly(s);
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
