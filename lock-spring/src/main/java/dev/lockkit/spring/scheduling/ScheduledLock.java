package dev.lockkit.spring.scheduling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method (typically a {@code @Scheduled} one) only while holding the lockkit lock
 * {@link #name()}: on each call the lock is tried once, without waiting; the node that gets it runs the method
 * and releases the lock when it returns or throws, every other node skips the call (the method is not run and
 * returns {@code null}, or {@code Optional.empty()} for an {@code Optional} return type).
 *
 * <p>While the method runs its lease renews in the background, and the method finds it with
 * {@link ScheduledLocks#currentLease()} (its fencing token for the writes it makes, {@code isValid()} before a
 * step that must stay protected). A run whose lease was lost before it ended is logged at WARN and counted as
 * {@link ScheduledLockOutcome#LOST}. Exceptions of the method propagate to the caller once the lease is released.
 *
 * <p>Every attribute may contain {@code ${...}} placeholders, resolved against the application's
 * {@code Environment}. The values are checked when the bean is post-processed: a bad one fails the start of the
 * application with a message naming the method, the attribute and the value. A method with a primitive return
 * type other than {@code void} is refused the same way, since a skipped run has nothing to return.
 *
 * <p>The lock covers the method's invocation only, not work the method hands to other threads; and calls
 * through the bean's proxy only (a call from another method of the same object is not intercepted).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ScheduledLock {

  /**
   * The lock's name, shared by every node that runs the job: a lockkit lock name (1 to 200 characters: letters,
   * digits, {@code - _ . : @ = + # , ~ !}, with {@code /} between non-empty segments), such as
   * {@code "jobs/nightly-report"}. It also names the job in logs, in {@link ScheduledLockStats} and in the
   * {@code job} tag of the {@code lockkit.scheduled.runs} counter.
   *
   * @return the lock name, possibly with placeholders
   */
  String name();

  /**
   * The lease time of the job's lock: how long the lock stays held after its node died mid-run (no renewal
   * arrives), and so how long a dead node can keep the others from running the job. It is not a limit on the
   * run: while the node is alive the lease is renewed (unless the {@code LockClient} turned renewal off), however
   * long the method runs. A duration such as {@code "30s"}, {@code "500ms"}, {@code "5m"} or {@code "PT30S"}, from
   * 50 ms to 7 days; empty (the default) is the {@code LockClient}'s lease time.
   *
   * @return the lease time, or empty for the client's
   */
  String lockAtMostFor() default "";

  /**
   * The minimum hold: a run that ends sooner leaves the lock held on the server, by nobody, until this long after
   * it was acquired, so that a node whose trigger fires a little later (clock skew, a busy scheduler) skips the
   * call instead of running the job a second time. Keep it shorter than the job's period. The server keeps it, so
   * it lasts even if the node exits; a lost lease keeps nothing. A duration as for {@link #lockAtMostFor()}, up to
   * 7 days; empty (the default) or zero is none.
   *
   * @return the minimum hold, or empty for none
   */
  String lockAtLeastFor() default "";
}
