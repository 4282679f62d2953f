package dev.lockkit.faults;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link Recording} on a loopback port to workload threads of child processes ({@link RemoteLink}):
 * store reads and writes happen here, in arrival order, so a frozen child's late write meets the fence as it
 * would meet a database. One thread per connection, at most {@value #MAX_CONNECTIONS} connections; closing
 * the server closes them all and ends its threads.
 *
 * <p>The protocol is a line per request and a line per answer, words separated by one space:
 * {@code H <nanoTime>} (hello; the answer {@code OK} says the child reads the same monotonic clock),
 * {@code R <section> <token>} → {@code V <value>}, {@code W <section> <token> <value>} → {@code A} (accepted)
 * or {@code J} (rejected), {@code S <encoded attempt>} → {@code OK}, {@code P <prefix> <start> <end>} →
 * {@code OK}; a request that fails is answered {@code ERR <message>}.
 */
public final class RecordingServer implements AutoCloseable {
  /** The most connections served at once. */
  public static final int MAX_CONNECTIONS = 256;
  /** How far apart the clocks of two processes may read before they are taken to be different clocks. */
  static final long MAX_CLOCK_GAP_NANOS = TimeUnit.SECONDS.toNanos(2);

  private static final Logger log = LoggerFactory.getLogger(RecordingServer.class);

  private final Recording recording;
  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private RecordingServer(Recording recording) throws IOException {
    this.recording = recording;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "faults-recording-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts serving on a free loopback port.
   *
   * @param recording what to serve
   * @return the running server
   * @throws IOException if no port could be opened
   */
  public static RecordingServer start(Recording recording) throws IOException {
    return new RecordingServer(recording);
  }

  /**
   * Where children connect.
   *
   * @return the loopback address and port
   */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  /** Stops accepting, closes every connection, and waits briefly for the threads to end. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      log.debug("Closing the recording server socket failed", e);
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    List<Thread> all = new ArrayList<>(threads);
    all.add(acceptor);
    for (Thread t : all) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void accept() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("The recording server stopped accepting", e);
        }
        return;
      }
      if (sockets.size() >= MAX_CONNECTIONS) {
        log.warn("Refusing a connection: {} are open already", MAX_CONNECTIONS);
        closeQuietly(socket);
        continue;
      }
      sockets.add(socket);
      Thread t = new Thread(() -> serve(socket), "faults-recording-" + socket.getPort());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void serve(Socket socket) {
    try (socket;
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
            StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(socket.getOutputStream(),
            StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String answer;
        try {
          answer = answer(line);
        } catch (RuntimeException e) {
          log.warn("Bad request from a child: {}", line, e);
          answer = "ERR " + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
        out.write(answer);
        out.write('\n');
        out.flush();
      }
    } catch (SocketException e) {
      log.debug("A child's connection ended", e);
    } catch (IOException e) {
      if (!closed) {
        log.warn("A child's connection failed", e);
      }
    } finally {
      sockets.remove(socket);
      threads.remove(Thread.currentThread());
    }
  }

  private String answer(String line) {
    long now = System.nanoTime();
    int space = line.indexOf(' ');
    String verb = space < 0 ? line : line.substring(0, space);
    String rest = space < 0 ? "" : line.substring(space + 1);
    String[] w = rest.split(" ");
    switch (verb) {
      case "H": {
        long gap = now - Long.parseLong(w[0]);
        if (Math.abs(gap) > MAX_CLOCK_GAP_NANOS) {
          return "ERR the child's System.nanoTime() differs from the recorder's by " + gap
              + " ns: not one monotonic clock, so sections of different processes cannot be compared";
        }
        return "OK";
      }
      case "R":
        return "V " + recording.store().read(w[0], Long.parseLong(w[1]));
      case "W":
        return recording.store().write(w[0], Long.parseLong(w[1]), Long.parseLong(w[2])) ? "A" : "J";
      case "S":
        recording.record(Attempt.decode(rest));
        return "OK";
      case "P":
        recording.pause(new Pause(w[0], Long.parseLong(w[1]), Long.parseLong(w[2])));
        return "OK";
      default:
        throw new IllegalArgumentException("unknown request: " + line);
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
