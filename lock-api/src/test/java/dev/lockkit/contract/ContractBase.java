package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.spi.LockClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every part of the contract suite shares: the backend's client factory, clients closed after each
 * test, and lock names unique to each test (so that servers can be shared across tests and classes, and so
 * that on a cluster the names of one test land in different slots).
 *
 * <p>The whole suite runs twice, with cohorting on and off ({@link LockOptions#cohortingEnabled()}): every
 * client a test makes comes from {@link #client(LockOptions)} with options started by {@link #options()}, so
 * that no test silently runs in one mode only. JUnit names the runs "cohorting on" and "cohorting off";
 * Surefire's reports (3.5.x) show only their index: {@code [1]} is on, {@code [2]} is off.
 */
@ParameterizedClass(name = "{argumentSetName}")
@MethodSource("cohortingModes")
public abstract class ContractBase {
  /** Lease time of tests that wait for a lease to run out: short, with room for a loaded 2-core machine. */
  protected static final Duration SHORT_LEASE = Duration.ofMillis(1200);
  /** Bound on anything that should happen "promptly". */
  protected static final Duration PROMPTLY = Duration.ofSeconds(10);

  /** Whether this run of the suite has cohorting on; set by JUnit from {@link #cohortingModes()}. */
  @Parameter
  private boolean cohorting;

  private final List<LockClient> clients = new ArrayList<>();
  private String testName = "test";

  /**
   * Connects a new client to the backend under test. Every client of one test must reach the same server
   * (or cluster) so that they contend as separate processes would. Tests call {@link #client(LockOptions)},
   * never this, so that each client is closed and in this run's cohorting mode.
   */
  protected abstract LockClient newClient(LockOptions options);

  /**
   * Stops a client as a crashed process would (no release, no renewal); the server frees its locks at lease
   * expiry or session end.
   */
  protected void crash(LockClient client) {
    LockClients.crash(client);
  }

  /** Threads of an in-process server, which the thread-leak check must not count as the client's. */
  protected boolean isServerThread(Thread thread) {
    return false;
  }

  @BeforeEach
  void rememberTestName(TestInfo info) {
    testName = info.getTestMethod().map(m -> m.getName()).orElse("test");
  }

  @AfterEach
  void closeClients() {
    for (LockClient client : clients) {
      try {
        client.close();
      } catch (RuntimeException e) {
        // a test may have closed it already, or crashed it
      }
    }
    clients.clear();
  }

  /**
   * The runs of the suite, named as reports show them: cohorting on and off. A backend's test class may hide
   * this with its own static {@code cohortingModes()} to run fewer (a cluster topology whose standalone
   * sibling already runs both, to keep the build's time in bounds).
   */
  protected static List<Arguments> cohortingModes() {
    return List.of(Arguments.argumentSet("cohorting on", true), Arguments.argumentSet("cohorting off", false));
  }

  /** Whether this run of the suite has cohorting on. */
  protected boolean cohorting() {
    return cohorting;
  }

  /**
   * A builder of options in this run's mode: with cohorting off it has {@code withoutCohorting()} called
   * already; with cohorting on it is left at the default (so a test may still set
   * {@code maxLocalHandoffs}). Tests build every client's options from here.
   */
  protected LockOptions.Builder options() {
    LockOptions.Builder builder = LockOptions.builder();
    return cohorting ? builder : builder.withoutCohorting();
  }

  /** A client with a 30 s lease and renewal on. */
  protected LockClient client() {
    return client(options().leaseTime(Duration.ofSeconds(30)).build());
  }

  /**
   * A client with the given options, closed after the test (closing it earlier is fine: close is idempotent).
   *
   * @throws IllegalArgumentException if the options are not in this run's cohorting mode (build them from
   *     {@link #options()})
   */
  protected LockClient client(LockOptions options) {
    if (options.cohortingEnabled() != cohorting) {
      throw new IllegalArgumentException("options " + options + " do not match this run (cohorting "
          + (cohorting ? "on" : "off") + "): build them from options()");
    }
    LockClient client = newClient(options);
    clients.add(client);
    return client;
  }

  /** A client whose leases last {@link #SHORT_LEASE} and are not renewed. */
  protected LockClient unrenewedClient() {
    return client(options().leaseTime(SHORT_LEASE).withoutRenewal().build());
  }

  /** A lock name unique to this test run: {@code contract/<test>/<suffix>-<random>}. */
  protected String name(String suffix) {
    return "contract/" + testName + "/" + suffix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** A lock name unique to this test run. */
  protected String name() {
    return name("lock");
  }

  /** Asserts that {@code client} cannot take {@code name} now, and releases it if it wrongly could. */
  protected static void assertHeldElsewhere(LockClient client, String name) {
    Optional<Lease> lease = client.lock(name).tryAcquire();
    lease.ifPresent(l -> {
      try {
        l.close();
      } catch (RuntimeException e) {
        // only the assertion below matters
      }
    });
    assertThat(lease).as("lock '%s' should be held by someone else", name).isEmpty();
  }

  /**
   * Re-enters {@code lock}, held by this thread through {@code outer}, once blocking and once trying; asserts
   * that both leases share the outer holding's token, that closing them leaves it held, and that
   * {@code other} still cannot take {@code name}.
   */
  protected static void assertReentriesShareTheHolding(DistributedLock lock, Lease outer, LockClient other,
      String name) throws InterruptedException {
    Lease inner = lock.acquire(PROMPTLY);
    Lease third = lock.tryAcquire().orElseThrow();
    assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
    assertThat(third.fencingToken()).isEqualTo(outer.fencingToken());
    third.close();
    inner.close();
    assertThat(outer.isValid()).isTrue();
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    assertHeldElsewhere(other, name);
  }

  /** Takes and releases {@code name} through {@code client} with one attempt; true if it was free. */
  protected static boolean wasFree(LockClient client, String name) {
    Optional<Lease> lease = client.lock(name).tryAcquire();
    lease.ifPresent(Lease::close);
    return lease.isPresent();
  }
}
