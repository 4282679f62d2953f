package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockLostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Semantics 7 and 8 of DESIGN.md: closing, and bad input refused before anything is sent. */
public abstract class LifecycleContract extends LossContract {

  @Test
  void closingTheClientReleasesItsLeasesAndTellsTheirHolders() throws Exception {
    String name = name();
    LockClient a = client(options().build());
    Lease lease = a.lock(name).acquire(PROMPTLY);
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    lease.onLost(heard::set);
    a.close();
    assertThat(lease.isValid()).isFalse();
    await().atMost(PROMPTLY).until(() -> heard.get() != null);
    assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
    assertThat(wasFree(client(), name)).as("closing the client released the lock").isTrue();
  }

  @Test
  void closingTheClientFailsItsPendingAcquisitions() throws Exception {
    String name = name();
    Lease held = client().lock(name).acquire(PROMPTLY);
    LockClient waiter = client(options().build());
    CompletableFuture<Lease> attempt = waiter.lock(name).acquireAsync(Duration.ofSeconds(60));
    waiter.close();
    assertThatThrownBy(() -> attempt.get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockClientClosedException.class);
    held.close();
    LockClient third = client();
    await().atMost(PROMPTLY).until(() -> wasFree(third, name));
  }

  @Test
  void closingTheClientStopsItsThreads() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    LockClient a = client(options().leaseTime(SHORT_LEASE).build());
    try (Lease lease = a.lock(name()).acquire(PROMPTLY)) {
      assertThat(lease.isValid()).isTrue();
    }
    a.close();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(newThreads(before)).isEmpty());
  }

  private List<String> newThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .filter(t -> !isServerThread(t))
        .filter(t -> !t.getName().startsWith("ForkJoinPool") && !t.getName().startsWith("process reaper")
            && !t.getName().startsWith("Attach Listener") && !t.getName().startsWith("surefire")
            && !t.getName().startsWith("awaitility"))
        .map(Thread::getName)
        .collect(Collectors.toList());
  }

  @Test
  void closingTwiceIsANoOp() throws Exception {
    LockClient a = client(options().build());
    Lease lease = a.lock(name()).acquire(PROMPTLY);
    lease.close();
    lease.close();
    a.close();
    a.close();
  }

  @Test
  void aClosedClientRefusesWork() {
    LockClient a = client(options().build());
    DistributedLock lock = a.lock(name());
    a.close();
    assertThatThrownBy(() -> a.lock(name())).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> lock.acquire(PROMPTLY)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(lock::tryAcquire).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> lock.acquireAsync(PROMPTLY)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void badLockNamesAreRefusedWithTheRuleTheyBreak() {
    LockClient a = client();
    String tooLong = "x".repeat(201);
    for (String bad : new String[] {"", "   ", tooLong, "a/../b", "..", "/a", "a/", "a//b", "a{b}", "a b", "a*",
        "tab\tname", "new\nline"}) {
      assertThatThrownBy(() -> a.lock(bad)).as("name '%s'", bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lock name");
    }
    assertThatThrownBy(() -> a.lock(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lock name");
    assertThat(a.lock("orders/42").name()).isEqualTo("orders/42");
    assertThat(a.lock("x".repeat(200)).name()).hasSize(200);
    assertThat(a.lock("user@example.com:σ-1").name()).isEqualTo("user@example.com:σ-1");
  }

  @Test
  void badDurationsAndListenersAreRefusedNamingTheArgument() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
    assertThatThrownBy(() -> lock.acquire(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
    assertThatThrownBy(() -> lock.acquire(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
    assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
    assertThatThrownBy(() -> lock.acquireAsync(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
    try (Lease lease = lock.acquire(PROMPTLY)) {
      assertThatThrownBy(() -> lease.onLost(null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("listener");
    }
    assertThat(wasFree(client(), name)).as("refused calls held nothing").isTrue();
  }
}
