package dev.lockkit.spring.web;

import dev.lockkit.idempotency.OutcomeCodec;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A response as the first request with a key produced it, as stored and replayed: the status, the headers the
 * handler set (in order, each with all its values; {@code Content-Type} among them) and the body bytes; or, for
 * a handler that called {@link HttpServletResponse#sendError}, the status and the message, replayed by calling
 * {@code sendError} again (the container renders its error page anew).
 *
 * @param status the status
 * @param headers header name to values, in the order the handler set them
 * @param body the body
 * @param errorMessage null for a response, else the {@code sendError} message (empty if none)
 */
record StoredResponse(int status, Map<String, List<String>> headers, byte[] body, @Nullable String errorMessage) {
  private static final int VERSION = 1;

  /** The codec of stored responses: a version byte and length-prefixed fields. */
  static final OutcomeCodec<StoredResponse> CODEC = new OutcomeCodec<>() {
    @Override
    public byte[] encode(StoredResponse response) {
      return response.encode();
    }

    @Override
    public StoredResponse decode(byte[] bytes) {
      return StoredResponse.decode(bytes);
    }
  };

  /** Whether the response came from {@code sendError}. */
  boolean isError() {
    return errorMessage != null;
  }

  /**
   * Writes this response to a response that has none yet: status, headers, body; or {@code sendError}.
   *
   * @param response the response, not committed
   * @param extraHeader a header to add (the replay marker), or null
   */
  void writeTo(HttpServletResponse response, @Nullable String extraHeader) throws IOException {
    if (extraHeader != null) {
      response.setHeader(extraHeader, "true");
    }
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      String name = header.getKey();
      List<String> values = header.getValue();
      if (name.equalsIgnoreCase("Content-Type")) {
        response.setContentType(values.get(0));
        continue;
      }
      response.setHeader(name, values.get(0));
      for (int i = 1; i < values.size(); i++) {
        response.addHeader(name, values.get(i));
      }
    }
    if (errorMessage != null) {
      if (errorMessage.isEmpty()) {
        response.sendError(status);
      } else {
        response.sendError(status, errorMessage);
      }
      return;
    }
    response.setStatus(status);
    response.setContentLength(body.length);
    if (body.length > 0) {
      response.getOutputStream().write(body);
    }
    response.flushBuffer();
  }

  private byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(status);
      out.writeBoolean(errorMessage != null);
      writeString(out, errorMessage != null ? errorMessage : "");
      out.writeInt(headers.size());
      for (Map.Entry<String, List<String>> header : headers.entrySet()) {
        writeString(out, header.getKey());
        out.writeInt(header.getValue().size());
        for (String value : header.getValue()) {
          writeString(out, value);
        }
      }
      out.writeInt(body.length);
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return bytes.toByteArray();
  }

  private static StoredResponse decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException("A stored response of format version " + version + " cannot be read by"
            + " this version of lockkit, which reads version " + VERSION);
      }
      int status = in.readInt();
      boolean error = in.readBoolean();
      String message = readString(in);
      int headerCount = in.readInt();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 0; i < headerCount; i++) {
        String name = readString(in);
        int valueCount = in.readInt();
        List<String> values = new ArrayList<>(valueCount);
        for (int j = 0; j < valueCount; j++) {
          values.add(readString(in));
        }
        headers.put(name, List.copyOf(values));
      }
      byte[] body = new byte[in.readInt()];
      in.readFully(body);
      return new StoredResponse(status, headers, body, error ? message : null);
    } catch (IOException e) {
      throw new IllegalStateException("A stored response is truncated or corrupt: " + e, e);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    byte[] utf8 = new byte[in.readInt()];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof StoredResponse r && status == r.status && headers.equals(r.headers)
        && java.util.Arrays.equals(body, r.body) && java.util.Objects.equals(errorMessage, r.errorMessage);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Objects.hash(status, headers, errorMessage) + java.util.Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "StoredResponse{status=" + status + ", headers=" + headers + ", body=" + body.length + " bytes"
        + (errorMessage != null ? ", sendError" : "") + '}';
  }
}
