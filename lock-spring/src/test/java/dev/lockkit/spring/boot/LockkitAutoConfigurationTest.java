package dev.lockkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@link LockClient} bean: properties, back-off, refusals of bad values, and closing with the context. */
class LockkitAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LockkitAutoConfiguration.class));

  private static String redis() {
    return SharedServers.standalone().uri();
  }

  private static String unique(String prefix) {
    return prefix + "/" + UUID.randomUUID();
  }

  @Test
  void everyPropertyReachesTheClientAndTheServer() {
    runner.withPropertyValues("lockkit.uri=" + redis(), "lockkit.lease-time=20s", "lockkit.renew-interval=4s",
            "lockkit.command-timeout=2s", "lockkit.namespace=orders-app", "lockkit.cohorting.max-local-handoffs=5")
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(LockClient.class);
          LockClient client = context.getBean(LockClient.class);
          assertThat(client.options()).isEqualTo(LockOptions.builder().leaseTime(Duration.ofSeconds(20))
              .renewInterval(Duration.ofSeconds(4)).commandTimeout(Duration.ofSeconds(2)).namespace("orders-app")
              .maxLocalHandoffs(5).build());
          // and the server sees them: the key is in the namespace, with the lease time as its expiry
          String name = unique("props");
          try (Lease lease = client.lock(name).acquire(); Resp resp = SharedServers.standalone().resp()) {
            assertThat(lease.isValid()).isTrue();
            long ttl = (Long) resp.call("PTTL", "orders-app:{" + name + "}");
            assertThat(ttl).isBetween(10_000L, 20_000L);
          }
        });
  }

  @Test
  void renewalAndCohortingCanBeTurnedOff() {
    runner.withPropertyValues("lockkit.uri=" + redis(), "lockkit.renewal=false", "lockkit.cohorting.enabled=false")
        .run(context -> {
          LockOptions options = context.getBean(LockClient.class).options();
          assertThat(options.renewalEnabled()).isFalse();
          assertThat(options.cohortingEnabled()).isFalse();
          assertThat(options).isEqualTo(LockOptions.builder().withoutRenewal().withoutCohorting().build());
        });
  }

  @Test
  void unsetPropertiesKeepLockkitDefaults() {
    runner.withPropertyValues("lockkit.uri=" + redis()).run(context ->
        assertThat(context.getBean(LockClient.class).options()).isEqualTo(LockOptions.defaults()));
    // a lease time alone: the renewal interval and the command timeout follow it as lockkit derives them
    runner.withPropertyValues("lockkit.uri=" + redis(), "lockkit.lease-time=3s").run(context ->
        assertThat(context.getBean(LockClient.class).options())
            .isEqualTo(LockOptions.builder().leaseTime(Duration.ofSeconds(3)).build()));
  }

  @Test
  void noUriNoClient() {
    runner.withPropertyValues("lockkit.namespace=unused").run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(LockClient.class);
      assertThat(context.getBean(LockkitProperties.class).getNamespace()).isEqualTo("unused");
    });
  }

  @Test
  void theApplicationsOwnClientIsKeptAndNoneIsMade() {
    LockClient own = Locks.connect(redis(), LockOptions.builder().namespace("own").build());
    try {
      runner.withPropertyValues("lockkit.uri=" + redis(), "lockkit.namespace=auto")
          .withBean("ownClient", LockClient.class, () -> own)
          .run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(LockClient.class).hasBean("ownClient")
                .doesNotHaveBean("lockkitClient");
            assertThat(context.getBean(LockClient.class)).isSameAs(own);
          });
    } finally {
      own.close();
    }
  }

  @Test
  void closingTheContextClosesTheClient() throws Exception {
    String held = unique("close-held");
    String waited = unique("close-waited");
    AtomicReference<LockClient> bean = new AtomicReference<>();
    AtomicReference<Lease> lease = new AtomicReference<>();
    AtomicReference<CompletableFuture<Lease>> waiting = new AtomicReference<>();
    try (LockClient other = Locks.connect(redis())) {
      Lease otherHolds = other.lock(waited).acquire();
      runner.withPropertyValues("lockkit.uri=" + redis()).run(context -> {
        LockClient client = context.getBean(LockClient.class);
        bean.set(client);
        lease.set(client.lock(held).acquire());
        waiting.set(client.lock(waited).acquireAsync(Duration.ofMinutes(1)));
        assertThat(waiting.get()).isNotDone();
      });
      // the context is closed: the client's waiting acquisition failed, its lease was released on the server
      // (well within its 30 s lease time), and the client refuses new calls
      assertThatThrownBy(() -> waiting.get().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LockClientClosedException.class);
      assertThat(lease.get().isValid()).isFalse();
      Optional<Lease> freed = other.lock(held).tryAcquire();
      assertThat(freed).isPresent();
      freed.get().release();
      assertThatThrownBy(() -> bean.get().lock("after-close")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      otherHolds.release();
    }
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        arguments(List.of("lockkit.lease-time=-1s"), List.of("lockkit.lease-time", "leaseTime must be positive")),
        arguments(List.of("lockkit.lease-time=10ms"), List.of("lockkit.lease-time", "leaseTime must be at least")),
        arguments(List.of("lockkit.lease-time=10s", "lockkit.renew-interval=10s"),
            List.of("lockkit.renew-interval and lockkit.lease-time", "at most half the leaseTime")),
        arguments(List.of("lockkit.lease-time=3s", "lockkit.command-timeout=3s"),
            List.of("lockkit.command-timeout", "commandTimeout (PT3S) must be at most the leaseTime")),
        arguments(List.of("lockkit.command-timeout=1ms"),
            List.of("lockkit.command-timeout", "commandTimeout must be at least")),
        arguments(List.of("lockkit.renew-interval=1ms"),
            List.of("lockkit.renew-interval", "renewInterval must be at least")),
        arguments(List.of("lockkit.namespace=my app"), List.of("lockkit.namespace", "namespace must be 1 to 64")),
        arguments(List.of("lockkit.cohorting.max-local-handoffs=5000"),
            List.of("lockkit.cohorting.max-local-handoffs", "maxLocalHandoffs must be 1 to 1023")),
        arguments(List.of("lockkit.renewal=false", "lockkit.renew-interval=1s"),
            List.of("lockkit.renew-interval", "lockkit.renewal is false")),
        arguments(List.of("lockkit.cohorting.enabled=false", "lockkit.cohorting.max-local-handoffs=4"),
            List.of("lockkit.cohorting.max-local-handoffs", "lockkit.cohorting.enabled is false")),
        arguments(List.of("lockkit.lease-time=soon"), List.of("lockkit.lease-time", "java.time.Duration")),
        arguments(List.of("lockkit.uri= "), List.of("lockkit.uri is blank")));
  }

  @ParameterizedTest
  @MethodSource("badValues")
  void aBadValueFailsTheStartNamingTheProperty(List<String> properties, List<String> expected) {
    List<String> all = new ArrayList<>(properties);
    if (properties.stream().noneMatch(p -> p.startsWith("lockkit.uri="))) {
      all.add("lockkit.uri=" + redis());
    }
    runner.withPropertyValues(all.toArray(String[]::new)).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(expected);
    });
  }

  @Test
  void anUnknownSchemeFailsTheStartListingTheSchemesWithoutShowingThePassword() {
    runner.withPropertyValues("lockkit.uri=rediss-typo://app:s3cret-pw@localhost:6379").run(context -> {
      assertThat(context).hasFailed();
      String messages = messages(context.getStartupFailure());
      assertThat(messages).contains("lockkit.uri: no lock provider for the scheme 'rediss-typo'", "redis",
          "zookeeper", "memory");
      assertThat(messages).doesNotContain("s3cret-pw");
    });
  }

  @Test
  void aServerThatCannotBeReachedFailsTheStart() {
    long start = System.nanoTime();
    runner.withPropertyValues("lockkit.uri=redis://127.0.0.1:" + RedisServer.freePort(),
        "lockkit.command-timeout=500ms").run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure())).contains("LockBackendException");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  /** The failure and its causes, each as class name and message, one per line. */
  static String messages(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      all.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return all.toString();
  }
}
