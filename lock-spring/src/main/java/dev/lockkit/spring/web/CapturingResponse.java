package dev.lockkit.spring.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The response the handler of an {@link Idempotent} endpoint writes to: status and headers go through to the real
 * response (which stays uncommitted), the body is held here, and {@code sendError} and {@code sendRedirect} are
 * recorded instead of committing, so that the whole response can be stored before anything reaches the client.
 * {@link #capture()} then says what the handler answered.
 */
final class CapturingResponse extends HttpServletResponseWrapper {
  /** Headers never stored: they belong to one exchange, or are recomputed when the response is written. */
  private static final Set<String> NOT_STORED = caseInsensitive("Set-Cookie", "Date", "Content-Length",
      "Transfer-Encoding", "Connection", "Keep-Alive", IdempotencyKeyFilter.REPLAYED_HEADER);

  private final ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
  /** The headers the handler set, by the name it first used; their values are read from the real response. */
  private final Set<String> touched = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
  private final List<String> order = new ArrayList<>();
  private @Nullable ServletOutputStream stream;
  private @Nullable PrintWriter writer;
  private @Nullable String errorMessage;
  private boolean committed;

  CapturingResponse(HttpServletResponse response) {
    super(response);
  }

  /**
   * What the handler answered, with the body it wrote (a writer is flushed first).
   *
   * @return the response to store and send
   */
  StoredResponse capture() {
    if (writer != null) {
      writer.flush();
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String contentType = getContentType();
    if (contentType != null) {
      headers.put("Content-Type", List.of(contentType));
    }
    for (String name : order) {
      if (NOT_STORED.contains(name) || name.equalsIgnoreCase("Content-Type")) {
        continue;
      }
      List<String> values = List.copyOf(getHeaders(name));
      if (!values.isEmpty()) {
        headers.put(name, values);
      }
    }
    return new StoredResponse(getStatus(), headers, body.toByteArray(), errorMessage);
  }

  private void touch(String name) {
    if (touched.add(name)) {
      order.add(name);
    }
  }

  @Override
  public void setHeader(String name, @Nullable String value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      touch(name);
      super.setHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, @Nullable String value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      touch(name);
      super.addHeader(name, value);
    }
  }

  @Override
  public void setIntHeader(String name, int value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      touch(name);
      super.setIntHeader(name, value);
    }
  }

  @Override
  public void addIntHeader(String name, int value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      touch(name);
      super.addIntHeader(name, value);
    }
  }

  @Override
  public void setDateHeader(String name, long date) {
    touch(name);
    super.setDateHeader(name, date);
  }

  @Override
  public void addDateHeader(String name, long date) {
    touch(name);
    super.addDateHeader(name, date);
  }

  @Override
  public void setLocale(Locale locale) {
    touch("Content-Language");
    super.setLocale(locale);
  }

  @Override
  public void setContentLength(int len) {
    // the length is set when the held body is written
  }

  @Override
  public void setContentLengthLong(long len) {
    // the length is set when the held body is written
  }

  @Override
  public void sendError(int sc) throws IOException {
    sendError(sc, "");
  }

  @Override
  public void sendError(int sc, @Nullable String msg) throws IOException {
    checkNotCommitted();
    body.reset();
    super.setStatus(sc);
    errorMessage = msg != null ? msg : "";
    committed = true;
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    sendRedirect(location, SC_FOUND, true);
  }

  @Override
  public void sendRedirect(String location, int sc) throws IOException {
    sendRedirect(location, sc, true);
  }

  @Override
  public void sendRedirect(String location, boolean clearBuffer) throws IOException {
    sendRedirect(location, SC_FOUND, clearBuffer);
  }

  @Override
  public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
    checkNotCommitted();
    if (clearBuffer) {
      body.reset();
    }
    super.setStatus(sc);
    setHeader("Location", location);
    committed = true;
  }

  private void checkNotCommitted() {
    if (committed) {
      throw new IllegalStateException("The response was already committed (sendError or sendRedirect)");
    }
  }

  @Override
  public ServletOutputStream getOutputStream() {
    if (writer != null) {
      throw new IllegalStateException("getWriter() was already called for this response");
    }
    if (stream == null) {
      stream = new HeldStream();
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() {
    if (stream != null) {
      throw new IllegalStateException("getOutputStream() was already called for this response");
    }
    if (writer == null) {
      writer = new PrintWriter(new OutputStreamWriter(body, Charset.forName(getCharacterEncoding())));
    }
    return writer;
  }

  @Override
  public void flushBuffer() {
    // nothing reaches the client before the response is stored
    if (writer != null) {
      writer.flush();
    }
  }

  @Override
  public boolean isCommitted() {
    return committed;
  }

  @Override
  public void resetBuffer() {
    checkNotCommitted();
    if (writer != null) {
      writer.flush();
    }
    body.reset();
  }

  @Override
  public void reset() {
    checkNotCommitted();
    resetBuffer();
    super.reset();
    touched.clear();
    order.clear();
  }

  @Override
  public void setBufferSize(int size) {
    // the whole body is held here; the real response's buffer is not used before the body is complete
  }

  @Override
  public int getBufferSize() {
    return Integer.MAX_VALUE;
  }

  private static Set<String> caseInsensitive(String... names) {
    Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    set.addAll(new LinkedHashSet<>(List.of(names)));
    return set;
  }

  /** The body's stream: into {@link #body}. */
  private final class HeldStream extends ServletOutputStream {
    @Override
    public void write(int b) {
      body.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      body.write(b, off, len);
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      throw new UnsupportedOperationException("asynchronous writes are not supported on @Idempotent endpoints");
    }
  }
}
