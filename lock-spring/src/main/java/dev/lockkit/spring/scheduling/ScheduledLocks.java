package dev.lockkit.spring.scheduling;

import dev.lockkit.Lease;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** What a method annotated with {@link ScheduledLock} can ask about its run. */
public final class ScheduledLocks {
  private static final ThreadLocal<@Nullable Lease> CURRENT = new ThreadLocal<>();

  private ScheduledLocks() {}

  /**
   * The lease of the {@link ScheduledLock} method running on the calling thread: its fencing token to hand to
   * storage with each write, {@link Lease#isValid()} to check before a step that must stay protected,
   * {@link Lease#onLost} to stop early. The innermost one if such methods call each other. The lease is released
   * by the interceptor when the method ends: do not close it.
   *
   * @return the running job's lease, or empty outside a {@link ScheduledLock} run (also on other threads the
   *     method starts)
   */
  public static Optional<Lease> currentLease() {
    return Optional.ofNullable(CURRENT.get());
  }

  /** Makes {@code lease} the thread's current lease; returns the one it replaces, for {@link #restore}. */
  static @Nullable Lease bind(Lease lease) {
    Lease previous = CURRENT.get();
    CURRENT.set(lease);
    return previous;
  }

  /** Puts back what {@link #bind} replaced, leaving no thread-local behind when there was none. */
  static void restore(@Nullable Lease previous) {
    if (previous == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(previous);
    }
  }
}
