package dev.lockkit.spring.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.ByteArrayInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A request whose body was read once (to fingerprint it) and is served again from memory to the handler.
 */
final class CachedBodyRequest extends HttpServletRequestWrapper {
  private final byte[] body;
  private @Nullable ServletInputStream stream;
  private @Nullable BufferedReader reader;

  private CachedBodyRequest(HttpServletRequest request, byte[] body) {
    super(request);
    this.body = body;
  }

  /** The body of a request, read to its end, or null if it has more than {@code maxBytes}. */
  static byte @Nullable [] readBody(HttpServletRequest request, int maxBytes) throws IOException {
    InputStream in = request.getInputStream();
    byte[] bytes = in.readNBytes(maxBytes);
    if (bytes.length == maxBytes && in.read() != -1) {
      return null;
    }
    return bytes;
  }

  /**
   * The request with its body served from {@code body}.
   *
   * @param request the request whose body was read
   * @param body the bytes read
   * @return the wrapper
   */
  static CachedBodyRequest of(HttpServletRequest request, byte[] body) {
    return new CachedBodyRequest(request, body);
  }

  @Override
  public ServletInputStream getInputStream() {
    if (reader != null) {
      throw new IllegalStateException("getReader() was already called for this request");
    }
    if (stream == null) {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      stream = new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException(
              "asynchronous reads are not supported on @Idempotent endpoints (the body was read already)");
        }
      };
    }
    return stream;
  }

  @Override
  public BufferedReader getReader() {
    if (stream != null) {
      throw new IllegalStateException("getInputStream() was already called for this request");
    }
    if (reader == null) {
      String encoding = getCharacterEncoding();
      Charset charset = encoding != null ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1;
      reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
    }
    return reader;
  }
}
