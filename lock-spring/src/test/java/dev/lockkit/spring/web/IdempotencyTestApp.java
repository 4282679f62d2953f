package dev.lockkit.spring.web;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.memory.MemoryIdempotencyStore;
import dev.lockkit.spring.boot.LockkitAutoConfiguration;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A web application with {@link Idempotent} endpoints, lockkit's {@code memory:} backend as its {@link LockClient}
 * and a {@link MemoryIdempotencyStore}; the principal of a request is the value of its {@code X-User} header.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration({TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class, ErrorMvcAutoConfiguration.class,
    LockkitAutoConfiguration.class, LockkitIdempotencyAutoConfiguration.class})
@Import({IdempotencyTestApp.Endpoints.class, IdempotencyTestApp.TypeLevel.class})
class IdempotencyTestApp {

  @Bean(destroyMethod = "close")
  LockClient lockClient() {
    return Locks.connect("memory:");
  }

  @Bean
  MemoryIdempotencyStore idempotencyStore() {
    return new MemoryIdempotencyStore();
  }

  /** The request's principal from {@code X-User}, as an authentication filter would set it (before lockkit's). */
  @Bean
  OncePerRequestFilter principalFromHeader() {
    return new PrincipalFilter();
  }

  static final class PrincipalFilter extends OncePerRequestFilter implements org.springframework.core.Ordered {
    @Override
    public int getOrder() {
      return -200;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      String user = request.getHeader("X-User");
      if (user == null) {
        chain.doFilter(request, response);
        return;
      }
      Principal principal = () -> user;
      chain.doFilter(new HttpServletRequestWrapper(request) {
        @Override
        public Principal getUserPrincipal() {
          return principal;
        }
      }, response);
    }
  }

  /** Endpoints that count their runs, by a name each test makes unique. */
  @RestController
  static class Endpoints {
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    volatile CountDownLatch entered = new CountDownLatch(1);
    volatile CountDownLatch release = new CountDownLatch(1);

    int runs(String id) {
      AtomicInteger count = runs.get(id);
      return count == null ? 0 : count.get();
    }

    private int run(String id) {
      return runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    @PostMapping("/orders/{id}")
    @Idempotent
    ResponseEntity<String> create(@PathVariable("id") String id, @RequestBody String body) {
      int run = run(id);
      return ResponseEntity.created(URI.create("/orders/" + id + "/" + run)).header("X-Run", String.valueOf(run))
          .header("X-Multi", "a", "b").contentType(MediaType.APPLICATION_JSON)
          .body("{\"id\":\"" + id + "\",\"run\":" + run + ",\"body\":\"" + body + "\"}");
    }

    @PostMapping("/optional/{id}")
    @Idempotent(required = false)
    String optional(@PathVariable("id") String id) {
      return "run " + run(id);
    }

    @PostMapping("/plain/{id}")
    String plain(@PathVariable("id") String id) {
      return "run " + run(id);
    }

    @PostMapping("/slow/{id}")
    @Idempotent
    String slow(@PathVariable("id") String id) throws InterruptedException {
      return waitForRelease(id);
    }

    @PostMapping("/slow-wait/{id}")
    @Idempotent(maxWait = "30s")
    String slowWait(@PathVariable("id") String id) throws InterruptedException {
      return waitForRelease(id);
    }

    private String waitForRelease(String id) throws InterruptedException {
      int run = run(id);
      entered.countDown();
      if (!release.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test did not release the handler");
      }
      return "slow run " + run;
    }

    @PostMapping("/form/{id}")
    @Idempotent
    String form(@PathVariable("id") String id, @RequestParam("qty") int qty) {
      return "run " + run(id) + ": " + qty;
    }

    /** 503 on the first run, 201 after. */
    @PostMapping("/flaky/{id}")
    @Idempotent
    ResponseEntity<String> flaky(@PathVariable("id") String id) {
      int run = run(id);
      return ResponseEntity.status(run == 1 ? 503 : 201).body("run " + run);
    }

    /** Throws on the first run, 200 after. */
    @PostMapping("/boom/{id}")
    @Idempotent
    String boom(@PathVariable("id") String id) {
      int run = run(id);
      if (run == 1) {
        throw new IllegalStateException("boom on run 1");
      }
      return "run " + run;
    }

    /** Answers the status given in the path. */
    @PostMapping("/status/{code}/{id}")
    @Idempotent
    ResponseEntity<String> status(@PathVariable("code") int code, @PathVariable("id") String id) {
      return ResponseEntity.status(code).contentType(MediaType.TEXT_PLAIN).body("run " + run(id));
    }

    /** Answers by sendError. */
    @PostMapping("/gone/{id}")
    @Idempotent
    void gone(@PathVariable("id") String id, HttpServletResponse response) throws IOException {
      run(id);
      response.sendError(410, "order " + id + " is gone");
    }
  }

  /** Every method idempotent through the type's annotation, one optional by its own. */
  @RestController
  @Idempotent(retention = "${test.retention:1h}")
  static class TypeLevel {
    final AtomicInteger runs = new AtomicInteger();

    @PostMapping("/typed/required")
    String required() {
      return "run " + runs.incrementAndGet();
    }

    @PostMapping("/typed/optional")
    @Idempotent(required = false)
    String optional() {
      return "run " + runs.incrementAndGet();
    }
  }
}
