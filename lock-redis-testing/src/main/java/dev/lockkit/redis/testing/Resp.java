package dev.lockkit.redis.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A tiny RESP2 client for fixtures and assertions, so that tests do not depend on the driver under test. */
public final class Resp implements AutoCloseable {
  /** An error reply. */
  public static final class RespError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RespError(String message) {
      super(message);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private Resp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to a plain-TCP port on loopback. */
  public static Resp connect(int port) {
    try {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      return new Resp(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a command and returns its reply: String, Long, List, null; an error reply is thrown. */
  public Object call(String... args) {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String a : args) {
        byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
        b.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        b.write(bytes);
        b.write("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(b.toByteArray());
      out.flush();
      Object reply = read();
      if (reply instanceof RespError e) {
        throw e;
      }
      return reply;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a command and returns its reply as a string. */
  public String string(String... args) {
    return String.valueOf(call(args));
  }

  private Object read() throws IOException {
    int type = in.read();
    String line = line();
    switch (type) {
      case '+':
        return line;
      case '-':
        return new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        byte[] data = in.readNBytes(n + 2);
        return new String(data, 0, n, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          list.add(read());
        }
        return list;
      }
      default:
        throw new IOException("unexpected RESP type " + type);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      b.write(c);
    }
    in.read();
    return b.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
