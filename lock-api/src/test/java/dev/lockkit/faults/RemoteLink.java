package dev.lockkit.faults;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A {@link WorkerLink} to a {@link RecordingServer} of another process, over one loopback connection.
 * Every call waits at most {@link #TIMEOUT} for its answer. For one thread.
 */
public final class RemoteLink implements WorkerLink {
  /** The bound of connecting and of each answer. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Socket socket;
  private final BufferedReader in;
  private final BufferedWriter out;

  private RemoteLink(InetSocketAddress server) throws IOException {
    socket = new Socket();
    try {
      socket.connect(server, (int) TIMEOUT.toMillis());
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      socket.setTcpNoDelay(true);
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      out = new BufferedWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Connects, and checks that both processes read one monotonic clock.
   *
   * @param server the recording server's address
   * @return the link
   * @throws UncheckedIOException if the server cannot be reached
   * @throws IllegalStateException if the server refuses, such as for a different clock
   */
  public static RemoteLink connect(InetSocketAddress server) {
    RemoteLink link;
    try {
      link = new RemoteLink(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach the recording server at " + server, e);
    }
    try {
      link.call("H " + System.nanoTime());
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
    return link;
  }

  @Override
  public long read(String section, long token) {
    return Long.parseLong(call("R " + section + " " + token).substring(2));
  }

  @Override
  public boolean write(String section, long token, long value) {
    return call("W " + section + " " + token + " " + value).equals("A");
  }

  @Override
  public void record(Attempt attempt) {
    call("S " + attempt.encode());
  }

  @Override
  public void pause(Pause pause) {
    call("P " + pause.holderPrefix() + " " + pause.startNanos() + " " + pause.endNanos());
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  private String call(String request) {
    String answer;
    try {
      out.write(request);
      out.write('\n');
      out.flush();
      answer = in.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException("the recording server did not answer " + request, e);
    }
    if (answer == null) {
      throw new IllegalStateException("the recording server closed the connection");
    }
    if (answer.startsWith("ERR")) {
      throw new IllegalStateException("the recording server refused " + request + ": " + answer);
    }
    return answer;
  }
}
