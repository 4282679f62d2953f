package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * What every part of the contract suite shares: the backend's client factory, clients closed after each
 * test, and lock names unique to each test (so that servers can be shared across tests and classes, and so
 * that on a cluster the names of one test land in different slots).
 */
public abstract class ContractBase {
  /** Lease time of tests that wait for a lease to run out: short, with room for a loaded 2-core machine. */
  protected static final Duration SHORT_LEASE = Duration.ofMillis(1200);
  /** Bound on anything that should happen "promptly". */
  protected static final Duration PROMPTLY = Duration.ofSeconds(10);

  private final List<LockClient> clients = new ArrayList<>();
  private String testName = "test";

  /**
   * Connects a new client to the backend under test. Every client of one test must reach the same server
   * (or cluster) so that they contend as separate processes would.
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

  /** A client with a 30 s lease and renewal on. */
  protected LockClient client() {
    return client(LockOptions.builder().leaseTime(Duration.ofSeconds(30)).build());
  }

  /** A client with the given options, closed after the test. */
  protected LockClient client(LockOptions options) {
    LockClient client = newClient(options);
    clients.add(client);
    return client;
  }

  /** A client whose leases last {@link #SHORT_LEASE} and are not renewed. */
  protected LockClient unrenewedClient() {
    return client(LockOptions.builder().leaseTime(SHORT_LEASE).withoutRenewal().build());
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

  /** Takes and releases {@code name} through {@code client} with one attempt; true if it was free. */
  protected static boolean wasFree(LockClient client, String name) {
    Optional<Lease> lease = client.lock(name).tryAcquire();
    lease.ifPresent(Lease::close);
    return lease.isPresent();
  }
}
