package dev.lockkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code lockkit} health contributor against real servers, up and down, and when it is not made. */
class LockkitHealthTest {
  private static final String CONTRIBUTOR = "lockkitHealthContributor";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LockkitAutoConfiguration.class, LockkitHealthAutoConfiguration.class));

  private static LockkitHealthIndicator indicator(AssertableApplicationContext context) {
    assertThat(context).hasNotFailed().hasBean(CONTRIBUTOR);
    return context.getBean(CONTRIBUTOR, LockkitHealthIndicator.class);
  }

  @Test
  void upAgainstRedisAfterATakeAndReleaseOnTheServer() {
    runner.withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri(), "lockkit.namespace=health-test")
        .run(context -> {
          LockkitHealthIndicator indicator = indicator(context);
          Health health = indicator.health();

          assertThat(health.getStatus()).isEqualTo(Status.UP);
          assertThat(health.getDetails()).containsEntry("backend", "redis").containsEntry("namespace", "health-test")
              .containsEntry("lock", indicator.lockName()).containsKey("roundTripMillis");
          assertThat(indicator.lockName()).startsWith(LockkitHealthIndicator.LOCK_PREFIX);
          // it went to the server: the lock's fencing counter is there, and the lock itself was released
          try (Resp resp = SharedServers.standalone().resp()) {
            assertThat(resp.call("EXISTS", "health-test:{" + indicator.lockName() + "}:fence")).isEqualTo(1L);
            assertThat(resp.call("EXISTS", "health-test:{" + indicator.lockName() + "}")).isEqualTo(0L);
          }
          // released, so the next check takes it again
          assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        });
  }

  @Test
  void aLockFoundHeldStillShowsThatTheServerAnswers() {
    String uri = SharedServers.standalone().uri();
    runner.withPropertyValues("lockkit.uri=" + uri).run(context -> {
      LockkitHealthIndicator indicator = indicator(context);
      // as if an earlier check's release had gone unconfirmed: the check's lock is held elsewhere
      try (LockClient other = Locks.connect(uri)) {
        Lease held = other.lock(indicator.lockName()).acquire();
        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsKey("held").containsKey("roundTripMillis");
        held.release();
      }
      assertThat(indicator.health().getDetails()).doesNotContainKey("held");
    });
  }

  @Test
  void upAgainstZooKeeper() throws Exception {
    try (TestingServer zookeeper = new TestingServer()) {
      runner.withPropertyValues("lockkit.uri=zookeeper://" + zookeeper.getConnectString()).run(context -> {
        Health health = indicator(context).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("backend", "zookeeper").containsEntry("namespace", "lockkit");
      });
    }
  }

  @Test
  void downWithinAboutTheCommandTimeoutWhenTheServerIsStoppedAndUpWhenItIsBack() {
    try (RedisServer server = RedisServer.launch()) {
      runner.withPropertyValues("lockkit.uri=" + server.uri(), "lockkit.command-timeout=500ms").run(context -> {
        LockkitHealthIndicator indicator = indicator(context);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        server.stop();
        long start = System.nanoTime();
        Health health = indicator.health();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(String.valueOf(health.getDetails().get("error"))).contains("LockBackendException");
        // an acquisition and a release, each bounded by the 500 ms command timeout; the rest is slack for a
        // loaded two-core machine
        assertThat(took).isLessThan(Duration.ofMillis(2 * 500 + 4_000));

        server.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> indicator.health().getStatus().equals(Status.UP));
      });
    }
  }

  @Test
  void turnedOffByItsManagementProperty() {
    runner.withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri(), "management.health.lockkit.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LockClient.class)
            .doesNotHaveBean(CONTRIBUTOR).doesNotHaveBean(HealthContributor.class));
  }

  @Test
  void followsTheDefaultsSwitchUnlessTurnedOnByName() {
    runner.withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri(),
        "management.health.defaults.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CONTRIBUTOR));
    runner.withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri(),
        "management.health.defaults.enabled=false", "management.health.lockkit.enabled=true")
        .run(context -> assertThat(context).hasNotFailed().hasBean(CONTRIBUTOR));
  }

  @Test
  void notMadeWithoutAClient() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CONTRIBUTOR));
  }

  @Test
  void notMadeWithoutBootsHealthApiWhileTheClientStillIs() {
    runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri())
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LockClient.class)
            .doesNotHaveBean(CONTRIBUTOR));
  }

  @Test
  void checksTheApplicationsOwnClientsOneIndicatorEach() {
    String uri = SharedServers.standalone().uri();
    LockClient first = Locks.connect(uri, LockOptions.builder().namespace("first").build());
    LockClient second = Locks.connect(uri, LockOptions.builder().namespace("second").build());
    try {
      runner.withBean("firstClient", LockClient.class, () -> first)
          .withBean("secondClient", LockClient.class, () -> second)
          .run(context -> {
            assertThat(context).hasNotFailed().hasBean(CONTRIBUTOR);
            CompositeHealthContributor composite = context.getBean(CONTRIBUTOR, CompositeHealthContributor.class);
            Health health = ((HealthIndicator) composite.getContributor("secondClient")).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            // the application's own clients: their URI is not known here, so no backend detail
            assertThat(health.getDetails()).containsEntry("namespace", "second").doesNotContainKey("backend");
            assertThat(composite.getContributor("firstClient")).isInstanceOf(LockkitHealthIndicator.class);
          });
    } finally {
      first.close();
      second.close();
    }
  }

  @Test
  void theApplicationsOwnIndicatorReplacesIt() {
    HealthIndicator own = () -> Health.up().withDetail("own", true).build();
    runner.withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri())
        .withBean("lockkitHealthIndicator", HealthIndicator.class, () -> own)
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CONTRIBUTOR)
            .getBean("lockkitHealthIndicator").isSameAs(own));
  }
}
