package dev.lockkit.spring.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/** A Spring Boot application on an embedded Tomcat on a free port, and an HTTP client for it. */
final class WebServer implements AutoCloseable {
  private final ConfigurableApplicationContext context;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private WebServer(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
  }

  /** Starts the application of {@code sources} with the properties ({@code name=value}). */
  static WebServer start(Class<?>[] sources, String... properties) {
    SpringApplication app = new SpringApplication(sources);
    app.setWebApplicationType(WebApplicationType.SERVLET);
    app.setBannerMode(Banner.Mode.OFF);
    String[] args = new String[properties.length + 2];
    args[0] = "--server.port=0";
    args[1] = "--server.address=127.0.0.1";
    for (int i = 0; i < properties.length; i++) {
      args[i + 2] = "--" + properties[i];
    }
    return new WebServer(app.run(args));
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  /** A POST with the key (none if null), the body and more headers (name, value, ...). */
  HttpRequest request(String path, @Nullable String key, String body, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "text/plain; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (key != null) {
      builder.header(IdempotencyKeyFilter.HEADER, key);
    }
    for (int i = 0; i < headers.length; i += 2) {
      builder.setHeader(headers[i], headers[i + 1]);
    }
    return builder.build();
  }

  HttpResponse<String> post(String path, @Nullable String key, String body, String... headers) {
    return send(request(path, key, body, headers));
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("request failed: " + request, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  CompletableFuture<HttpResponse<String>> postAsync(String path, @Nullable String key, String body) {
    return http.sendAsync(request(path, key, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    context.close();
  }
}
