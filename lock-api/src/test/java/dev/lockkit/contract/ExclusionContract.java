package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Semantics 1, 3 and 4 of DESIGN.md: mutual exclusion, re-entrancy, fencing tokens. */
public abstract class ExclusionContract extends ContractBase {

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void mutualExclusionHoldsAcrossClientsAndThreads() throws Exception {
    String name = name();
    List<DistributedLock> locks = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      locks.add(client().lock(name));
    }
    Contention.Result result = Contention.run(locks, 3, 12, Duration.ofSeconds(60), Duration.ofSeconds(150));

    assertThat(result.failures()).as("failures of the contending threads").isEmpty();
    assertThat(result.history().overlaps()).as("overlapping critical sections").isEmpty();
    assertThat(result.maxOccupancy()).as("most holders inside at once").isEqualTo(1);
    assertThat(result.counter()).as("increments not lost").isEqualTo(3 * 3 * 12);
    assertThat(result.history().size()).isEqualTo(3 * 3 * 12);
    assertThat(result.history().tokenRegressions()).as("tokens out of order").isEmpty();
  }

  @Test
  void tryAcquireFailsWhileAnotherClientHoldsAndSucceedsAfterRelease() {
    String name = name();
    LockClient a = client();
    LockClient b = client();
    Lease lease = a.lock(name).tryAcquire().orElseThrow();
    assertThat(lease.isValid()).isTrue();
    assertThat(lease.name()).isEqualTo(name);
    assertHeldElsewhere(b, name);
    lease.close();
    assertThat(wasFree(b, name)).isTrue();
  }

  @Test
  void reentrantAcquireSharesTheHoldingAndOnlyTheOutermostCloseReleases() throws Exception {
    String name = name();
    LockClient a = client();
    LockClient b = client();
    DistributedLock lock = a.lock(name);
    try (Lease outer = lock.acquire(PROMPTLY)) {
      assertThat(lock.isHeldByCurrentThread()).isTrue();
      assertReentriesShareTheHolding(a.lock(name), outer, b, name);
    }
    assertThat(lock.isHeldByCurrentThread()).isFalse();
    assertThat(wasFree(b, name)).isTrue();
  }

  @Test
  void anotherThreadOfTheSameClientDoesNotReenter() throws Exception {
    String name = name();
    LockClient a = client();
    try (Lease held = a.lock(name).acquire(PROMPTLY)) {
      Optional<Lease> other = CompletableFuture.supplyAsync(() -> a.lock(name).tryAcquire()).get(20, TimeUnit.SECONDS);
      other.ifPresent(Lease::close);
      assertThat(other).as("a second thread must not share the first thread's holding").isEmpty();
      assertThat(CompletableFuture.supplyAsync(() -> a.lock(name).isHeldByCurrentThread()).get()).isFalse();
      assertThat(held.isValid()).isTrue();
    }
  }

  @Test
  void fencingTokensStrictlyIncreaseAcrossClients() throws Exception {
    String name = name();
    List<LockClient> clients = List.of(client(), client(), client());
    long previous = 0;
    for (int i = 0; i < 9; i++) {
      try (Lease lease = clients.get(i % 3).lock(name).acquire(PROMPTLY)) {
        assertThat(lease.fencingToken()).as("token of acquisition %s", i).isGreaterThan(previous);
        previous = lease.fencingToken();
      }
    }
  }

  @Test
  void fencingTokensKeepGrowingForANewClient() throws Exception {
    String name = name();
    LockClient first = client();
    long token;
    try (Lease lease = first.lock(name).acquire(PROMPTLY)) {
      token = lease.fencingToken();
    }
    first.close();
    try (Lease lease = client().lock(name).acquire(PROMPTLY)) {
      assertThat(lease.fencingToken()).isGreaterThan(token);
    }
  }

  @Test
  void distinctNamesDoNotBlockEachOther() throws Exception {
    LockClient a = client();
    LockClient b = client();
    List<Lease> leases = new ArrayList<>();
    try {
      for (int i = 0; i < 16; i++) {
        leases.add((i % 2 == 0 ? a : b).lock(name("n" + i)).acquire(PROMPTLY));
      }
      assertThat(leases).allMatch(Lease::isValid);
    } finally {
      leases.forEach(Lease::close);
    }
  }

  @Test
  void namespacesKeepEqualNamesApart() throws Exception {
    String name = name();
    LockClient a = client(options().namespace("contract-a").build());
    LockClient b = client(options().namespace("contract-b").build());
    LockClient a2 = client(options().namespace("contract-a").build());
    try (Lease inA = a.lock(name).acquire(PROMPTLY); Lease inB = b.lock(name).acquire(PROMPTLY)) {
      assertThat(inA.isValid()).isTrue();
      assertThat(inB.isValid()).isTrue();
      assertHeldElsewhere(a2, name);
    }
  }
}
