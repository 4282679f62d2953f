package dev.lockkit.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * Writes the filter's own answers as RFC 9457 problem details ({@code application/problem+json}). The JSON is
 * written here rather than through the application's message converters: the fields are a few strings and a
 * number, and the answer must not depend on which JSON library (if any) the application has.
 */
final class Problems {
  private Problems() {}

  /**
   * Answers with a problem: status, title (the status' reason phrase), detail and the request's path as instance.
   *
   * @param request the request
   * @param response the response, not committed
   * @param status the status
   * @param detail what was wrong, for humans
   * @param headers more headers, such as {@code Retry-After}
   */
  static void send(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail,
      Map<String, String> headers) throws IOException {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    try {
      problem.setInstance(URI.create(request.getRequestURI()));
    } catch (IllegalArgumentException e) {
      // a path the container let through but java.net.URI refuses: the problem goes without an instance
    }
    byte[] body = json(problem).getBytes(StandardCharsets.UTF_8);
    response.resetBuffer();
    response.setStatus(status.value());
    headers.forEach(response::setHeader);
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }

  /** The problem as JSON. */
  static String json(ProblemDetail problem) {
    StringBuilder json = new StringBuilder(256).append('{');
    json.append("\"type\":").append(quote(String.valueOf(problem.getType())));
    if (problem.getTitle() != null) {
      json.append(",\"title\":").append(quote(problem.getTitle()));
    }
    json.append(",\"status\":").append(problem.getStatus());
    if (problem.getDetail() != null) {
      json.append(",\"detail\":").append(quote(problem.getDetail()));
    }
    if (problem.getInstance() != null) {
      json.append(",\"instance\":").append(quote(problem.getInstance().toString()));
    }
    return json.append('}').toString();
  }

  /** A JSON string (RFC 8259): quotes, backslashes and control characters escaped. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
