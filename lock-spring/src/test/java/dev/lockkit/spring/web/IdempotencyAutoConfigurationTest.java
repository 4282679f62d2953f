package dev.lockkit.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.idempotency.memory.MemoryIdempotencyStore;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.spring.boot.LockkitAutoConfiguration;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** When the filter is made, when the start fails and why, the properties, and a scope resolver bean. */
class IdempotencyAutoConfigurationTest {
  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LockkitAutoConfiguration.class,
          LockkitIdempotencyAutoConfiguration.class, WebMvcAutoConfiguration.class,
          DispatcherServletAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class));

  @RestController
  static class Payments {
    @PostMapping("/payments")
    @Idempotent
    String pay() {
      return "paid";
    }
  }

  @RestController
  static class BadWait {
    @PostMapping("/bad")
    @Idempotent(maxWait = "soon")
    String bad() {
      return "bad";
    }
  }

  @RestController
  static class AsyncHandler {
    @PostMapping("/async")
    @Idempotent
    Callable<String> later() {
      return () -> "later";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Store {
    @Bean
    MemoryIdempotencyStore store() {
      return new MemoryIdempotencyStore();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class TenantScope {
    @Bean
    IdempotencyScopeResolver tenantScope() {
      return request -> {
        String tenant = request.getHeader("X-Tenant");
        return tenant != null ? tenant : "no-tenant";
      };
    }
  }

  @Test
  void backsOffWithoutALockClient() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(IdempotencyKeyFilter.class);
    });
  }

  @Test
  void anIdempotentEndpointWithoutALockClientFailsTheStart() {
    runner.withUserConfiguration(Payments.class, Store.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure())
          .hasMessageContaining("@Idempotent endpoints need a dev.lockkit.LockClient bean, and there is none")
          .hasMessageContaining(Payments.class.getName() + ".pay");
    });
  }

  @Test
  void anIdempotentEndpointWithoutAStoreFailsTheStart() {
    runner.withPropertyValues("lockkit.uri=memory:").withUserConfiguration(Payments.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure())
          .hasMessageContaining("No dev.lockkit.idempotency.spi.IdempotencyStore bean")
          .hasMessageContaining(Payments.class.getName() + ".pay")
          .hasMessageContaining("MemoryIdempotencyStore keeps the records of one JVM only");
    });
  }

  @Test
  void withoutIdempotentEndpointsNoStoreIsNeeded() {
    runner.withPropertyValues("lockkit.uri=memory:").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(IdempotencyKeyFilter.class);
      assertThat(context).doesNotHaveBean(IdempotencyStore.class);
    });
  }

  @Test
  void withALockClientAndAStoreTheFilterIsMade() {
    runner.withPropertyValues("lockkit.uri=memory:").withUserConfiguration(Payments.class, Store.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(IdempotencyKeyFilter.class);
          assertThat(context.getBean(IdempotencyKeyFilter.class).getOrder()).isEqualTo(IdempotencyKeyFilter.ORDER);
        });
  }

  @Test
  void notInAnApplicationThatIsNotAServletOne() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LockkitAutoConfiguration.class,
            LockkitIdempotencyAutoConfiguration.class))
        .withPropertyValues("lockkit.uri=memory:").withUserConfiguration(Store.class)
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyKeyFilter.class));
  }

  @Test
  void propertiesAreBound() {
    runner.withPropertyValues("lockkit.uri=memory:", "lockkit.idempotency.retention=2h",
        "lockkit.idempotency.max-wait=3s", "lockkit.idempotency.max-body-size=10KB").run(context -> {
          IdempotencyProperties properties = context.getBean(IdempotencyProperties.class);
          assertThat(properties.getRetention()).isEqualTo(Duration.ofHours(2));
          assertThat(properties.getMaxWait()).isEqualTo(Duration.ofSeconds(3));
          assertThat(properties.getMaxBodySize()).isEqualTo(DataSize.ofKilobytes(10));
        });
    runner.withPropertyValues("lockkit.uri=memory:").run(context -> {
      IdempotencyProperties properties = context.getBean(IdempotencyProperties.class);
      assertThat(properties.getRetention()).isEqualTo(Duration.ofHours(24));
      assertThat(properties.getMaxWait()).isZero();
      assertThat(properties.getMaxBodySize()).isEqualTo(DataSize.ofMegabytes(1));
    });
  }

  @Test
  void aBadPropertyFailsTheStartNamingIt() {
    runner.withPropertyValues("lockkit.uri=memory:", "lockkit.idempotency.max-wait=-1s").run(context -> {
      assertThat(context).hasFailed();
      // Boot's binder wraps the setter's refusal; its own message is the root cause's
      assertThat(context.getStartupFailure()).rootCause()
          .hasMessageContaining("lockkit.idempotency.max-wait must be zero or positive, was PT-1S");
    });
  }

  @Test
  void aBadAnnotationFailsTheStartNamingTheMethodAndTheAttribute() {
    runner.withPropertyValues("lockkit.uri=memory:").withUserConfiguration(BadWait.class, Store.class)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure())
              .hasMessageContaining("@Idempotent on " + BadWait.class.getName() + ".bad: maxWait = \"soon\"");
        });
  }

  @Test
  void anAsynchronousHandlerIsRefusedAtStart() {
    runner.withPropertyValues("lockkit.uri=memory:").withUserConfiguration(AsyncHandler.class, Store.class)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure())
              .hasMessageContaining(AsyncHandler.class.getName() + ".later: the method returns java.util.concurrent"
                  + ".Callable");
        });
  }

  @Test
  void aScopeResolverBeanScopesTheKeys() {
    try (WebServer server = WebServer.start(new Class<?>[] {IdempotencyTestApp.class, TenantScope.class})) {
      IdempotencyTestApp.Endpoints endpoints = server.bean(IdempotencyTestApp.Endpoints.class);
      String id = UUID.randomUUID().toString();
      String key = UUID.randomUUID().toString();

      HttpResponse<String> acme = server.post("/orders/" + id, key, "x", "X-Tenant", "acme");
      // the principal does not count once a resolver is there
      HttpResponse<String> acmeAsBob = server.post("/orders/" + id, key, "x", "X-Tenant", "acme", "X-User", "bob");
      HttpResponse<String> globex = server.post("/orders/" + id, key, "x", "X-Tenant", "globex");
      HttpResponse<String> longTenant = server.post("/orders/" + id, key, "x", "X-Tenant", "t".repeat(100));

      assertThat(acme.body()).contains("\"run\":1");
      assertThat(acmeAsBob.body()).isEqualTo(acme.body());
      assertThat(acmeAsBob.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
      assertThat(globex.body()).contains("\"run\":2");
      assertThat(longTenant.body()).contains("\"run\":3");
      assertThat(endpoints.runs(id)).isEqualTo(3);
    }
  }
}
