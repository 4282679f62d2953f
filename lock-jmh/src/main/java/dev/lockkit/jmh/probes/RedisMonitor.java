package dev.lockkit.jmh.probes;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Counts the commands a Redis server runs while some work runs, by {@code MONITOR}: the commands clients sent
 * (each one round trip, unless pipelined) apart from the ones scripts ran ({@code [0 lua]} in the feed), each by
 * name. The window is delimited by two {@code ECHO} markers sent on a connection of its own, answered before the
 * work starts and after it ends: the server feeds its monitors in the order it runs commands, so everything the
 * work sent lies between them. Anything else a client sends meanwhile is counted too; run nothing else.
 *
 * <p>For the benchmarks' own servers (no password, no TLS). The feed of the window is buffered by the server and
 * read after the work, so the work runs at its own pace, not the reader's.
 */
final class RedisMonitor implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 60_000;
  private final Socket monitor;
  private final InputStream feed;
  private final Socket control;
  private final InputStream controlIn;

  /** What ran between the markers: commands by name, those clients sent and those scripts ran. */
  record Commands(Map<String, Long> sent, Map<String, Long> inScripts) {
    long sentTotal() {
      return sent.values().stream().mapToLong(Long::longValue).sum();
    }

    long inScriptsTotal() {
      return inScripts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** A piece of work whose commands are counted. */
  @FunctionalInterface
  interface Work {
    void run() throws Exception;
  }

  RedisMonitor(String redisUri) throws IOException {
    URI uri = URI.create(redisUri);
    monitor = connect(uri);
    try {
      feed = new BufferedInputStream(monitor.getInputStream(), 1 << 16);
      send(monitor.getOutputStream(), "MONITOR");
      String ok = readLine(feed);
      if (!ok.equals("+OK")) {
        throw new IOException("MONITOR answered " + ok);
      }
      control = connect(uri);
      controlIn = new BufferedInputStream(control.getInputStream());
    } catch (IOException | RuntimeException e) {
      monitor.close();
      throw e;
    }
  }

  /**
   * Runs {@code work} and returns the commands the server ran meanwhile.
   *
   * @throws Exception whatever the work throws; IOException if the server's feed ends or stalls for 60 s
   */
  Commands count(Work work) throws Exception {
    String start = "lockkit-probe-start-" + UUID.randomUUID();
    String end = "lockkit-probe-end-" + UUID.randomUUID();
    echo(start);
    work.run();
    echo(end);
    Map<String, Long> sent = new TreeMap<>();
    Map<String, Long> inScripts = new TreeMap<>();
    boolean inWindow = false;
    while (true) {
      String line = readLine(feed);
      // +1700000000.123456 [0 127.0.0.1:40112] "EVALSHA" "d2b1..." "1" ...  or  [0 lua] "SET" ...
      int open = line.indexOf(" [");
      int close = line.indexOf("] \"", open);
      if (!line.startsWith("+") || open < 0 || close < 0) {
        throw new IOException("not a MONITOR line: " + line);
      }
      String source = line.substring(open + 2, close);
      int nameEnd = line.indexOf('"', close + 3);
      String name = line.substring(close + 3, nameEnd).toUpperCase(Locale.ROOT);
      if (name.equals("ECHO") && line.contains(start)) {
        inWindow = true;
      } else if (name.equals("ECHO") && line.contains(end)) {
        return new Commands(sent, inScripts);
      } else if (inWindow) {
        (source.endsWith(" lua") ? inScripts : sent).merge(name, 1L, Long::sum);
      }
    }
  }

  private void echo(String marker) throws IOException {
    send(control.getOutputStream(), "ECHO", marker);
    String header = readLine(controlIn);
    String body = readLine(controlIn);
    if (!header.equals("$" + marker.length()) || !body.equals(marker)) {
      throw new IOException("ECHO answered " + header + " " + body);
    }
  }

  private static Socket connect(URI uri) throws IOException {
    Socket socket = new Socket(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
    socket.setSoTimeout(TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    return socket;
  }

  /** One command in RESP: an array of bulk strings. */
  private static void send(OutputStream out, String... args) throws IOException {
    StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
    for (String arg : args) {
      resp.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
    }
    out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** One line without its CRLF (MONITOR escapes CR and LF inside arguments, so a line is one command). */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("the Redis server closed the connection");
      }
      line.write(b);
    }
    String s = line.toString(StandardCharsets.UTF_8);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public void close() throws IOException {
    try {
      control.close();
    } finally {
      monitor.close();
    }
  }
}
