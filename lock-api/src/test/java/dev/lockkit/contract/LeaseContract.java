package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Semantics 2 and 5 of DESIGN.md: ownership, lease expiry, renewal, loss reporting. */
public abstract class LeaseContract extends ExclusionContract {

  @Test
  void aCrashedHolderLosesTheLockToOthers() throws Exception {
    String name = name();
    LockClient doomed = client(options().leaseTime(SHORT_LEASE).build());
    LockClient survivor = client();
    long token = doomed.lock(name).acquire(PROMPTLY).fencingToken();
    crash(doomed);
    try (Lease lease = survivor.lock(name).acquire(PROMPTLY.plus(SHORT_LEASE))) {
      assertThat(lease.fencingToken()).isGreaterThan(token);
    }
  }

  @Test
  void anUnrenewedLeaseExpiresAndItsHolderIsTold() throws Exception {
    String name = name();
    LockClient holder = unrenewedClient();
    Lease lease = holder.lock(name).acquire(PROMPTLY);
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    lease.onLost(heard::set);
    assertThat(lease.isValid()).isTrue();

    await().atMost(PROMPTLY.plus(SHORT_LEASE)).until(() -> heard.get() != null);
    assertThat(lease.isValid()).isFalse();
    assertThat(heard.get()).hasMessageContaining(name);
    assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
    lease.close(); // the second close is a no-op
  }

  @Test
  void releaseAfterExpiryLeavesTheNewHolderIntact() throws Exception {
    String name = name();
    LockClient stale = unrenewedClient();
    LockClient next = client();
    LockClient third = client();
    Lease old = stale.lock(name).acquire(PROMPTLY);
    try (Lease current = next.lock(name).acquire(PROMPTLY.plus(SHORT_LEASE))) {
      assertThat(current.fencingToken()).isGreaterThan(old.fencingToken());
      assertThatThrownBy(old::close).isInstanceOf(LockLostException.class);
      assertThat(current.isValid()).isTrue();
      assertHeldElsewhere(third, name);
    }
    assertThat(wasFree(third, name)).isTrue();
  }

  @Test
  void closingALeaseTwiceDoesNotTouchTheNextHolding() throws Exception {
    String name = name();
    LockClient a = client();
    LockClient b = client();
    Lease first = a.lock(name).acquire(PROMPTLY);
    first.close();
    try (Lease second = a.lock(name).acquire(PROMPTLY)) {
      first.close();
      assertThat(first.isValid()).isFalse();
      assertThat(second.isValid()).isTrue();
      assertHeldElsewhere(b, name);
    }
    assertThat(wasFree(b, name)).isTrue();
  }

  @Test
  void renewalKeepsTheLockHeldForSeveralLeasePeriods() throws Exception {
    String name = name();
    LockClient holder = client(options().leaseTime(SHORT_LEASE).build());
    LockClient other = client();
    CopyOnWriteArrayList<LockLostException> losses = new CopyOnWriteArrayList<>();
    try (Lease lease = holder.lock(name).acquire(PROMPTLY)) {
      lease.onLost(losses::add);
      Duration hold = SHORT_LEASE.multipliedBy(3);
      await().during(hold).atMost(hold.plus(PROMPTLY)).pollInterval(Duration.ofMillis(150))
          .until(() -> lease.isValid() && !wasFree(other, name));
      assertThat(losses).isEmpty();
    }
    assertThat(wasFree(other, name)).isTrue();
  }

  @Test
  void aListenerAddedAfterTheLossRunsAtOnce() throws Exception {
    LockClient holder = unrenewedClient();
    Lease lease = holder.lock(name()).acquire(PROMPTLY);
    await().atMost(PROMPTLY.plus(SHORT_LEASE)).until(() -> !lease.isValid());
    await().atMost(PROMPTLY).untilAsserted(() -> {
      AtomicReference<LockLostException> heard = new AtomicReference<>();
      lease.onLost(heard::set);
      assertThat(heard.get()).isNotNull();
    });
    assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
  }

  @Test
  void listenersOfAReleasedLeaseNeverRun() throws Exception {
    LockClient holder = client(options().leaseTime(SHORT_LEASE).build());
    CopyOnWriteArrayList<LockLostException> losses = new CopyOnWriteArrayList<>();
    Lease lease = holder.lock(name()).acquire(PROMPTLY);
    lease.onLost(losses::add);
    lease.close();
    assertThat(lease.isValid()).isFalse();
    await().during(SHORT_LEASE.multipliedBy(2)).atMost(SHORT_LEASE.multipliedBy(2).plus(PROMPTLY))
        .until(losses::isEmpty);
  }

  @Test
  void aThrowingListenerDoesNotKeepOthersFromRunning() throws Exception {
    Lease lease = unrenewedClient().lock(name()).acquire(PROMPTLY);
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    lease.onLost(e -> {
      throw new IllegalStateException("listener failure, expected by the test");
    });
    lease.onLost(heard::set);
    await().atMost(PROMPTLY.plus(SHORT_LEASE)).until(() -> heard.get() != null);
  }
}
