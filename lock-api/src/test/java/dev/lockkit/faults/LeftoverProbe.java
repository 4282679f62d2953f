package dev.lockkit.faults;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import java.util.List;
import java.util.Optional;

/**
 * Looks for what a run left on the server after every client released and closed: lock keys or nodes,
 * subscriptions, queued waiters; the fence counters aside. Backends supply their own (a key scan, a
 * {@code getChildren}); {@link #lockIsFree} works on any backend.
 */
@FunctionalInterface
public interface LeftoverProbe {

  /**
   * Looks.
   *
   * @return one line per thing left behind; empty if nothing was
   */
  List<String> leftovers();

  /**
   * A probe that finds nothing, for runs whose leftovers are checked elsewhere.
   *
   * @return the probe
   */
  static LeftoverProbe none() {
    return List::of;
  }

  /**
   * A probe that takes the lock once without waiting through a fresh client: if it is still held, the run
   * left it behind.
   *
   * @param probe a client of the same server, not one of the run's
   * @param lockName the run's lock
   * @return the probe
   */
  static LeftoverProbe lockIsFree(LockClient probe, String lockName) {
    return () -> {
      Optional<Lease> lease = probe.lock(lockName).tryAcquire();
      lease.ifPresent(Lease::close);
      return lease.isPresent() ? List.of() : List.of("lock '" + lockName + "' is still held");
    };
  }
}
