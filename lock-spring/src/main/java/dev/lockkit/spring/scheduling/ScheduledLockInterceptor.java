package dev.lockkit.spring.scheduling;

import dev.lockkit.Lease;
import dev.lockkit.LockLostException;
import dev.lockkit.ReleaseOutcome;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ScheduledLock} method under its job's lock: tries the lock once, skips the call if another holder
 * has it, else runs the method with the lease bound to {@link ScheduledLocks#currentLease()}, releases the lease,
 * and tells the listeners the outcome.
 */
final class ScheduledLockInterceptor implements MethodInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ScheduledLockInterceptor.class);

  private final Function<MethodInvocation, ScheduledJob> jobs;
  private final Supplier<List<ScheduledRunListener>> listeners;

  ScheduledLockInterceptor(Function<MethodInvocation, ScheduledJob> jobs,
      Supplier<List<ScheduledRunListener>> listeners) {
    this.jobs = jobs;
    this.listeners = listeners;
  }

  @Override
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    ScheduledJob job = jobs.apply(invocation);
    Optional<Lease> acquired;
    try {
      acquired = job.lock().tryAcquire();
    } catch (RuntimeException e) {
      // no answer from the server, or a closed client: the job cannot run safely; the caller sees why
      tell(job, ScheduledLockOutcome.FAILED);
      throw e;
    }
    if (acquired.isEmpty()) {
      log.debug("Scheduled job {} skipped: its lock is held elsewhere ({})", job.name(), job.method());
      tell(job, ScheduledLockOutcome.SKIPPED);
      return job.skipValue();
    }
    Lease lease = acquired.get();
    AtomicReference<@Nullable LockLostException> lost = new AtomicReference<>();
    lease.onLost(lost::set);
    Lease outer = ScheduledLocks.bind(lease);
    boolean threw = true;
    try {
      Object result = invocation.proceed();
      threw = false;
      return result;
    } finally {
      ScheduledLocks.restore(outer);
      ReleaseOutcome released = lease.release();
      ScheduledLockOutcome outcome;
      if (released == ReleaseOutcome.LOST || lost.get() != null) {
        LockLostException cause = lost.get();
        log.warn("Scheduled job {} lost its lock while running ({}), so another node may have run it meanwhile;"
            + " the run {}: {}", job.name(), job.method(), threw ? "threw" : "completed",
            cause != null ? cause.getMessage() : "the lease was lost before its release");
        outcome = ScheduledLockOutcome.LOST;
      } else {
        if (released == ReleaseOutcome.UNCONFIRMED) {
          log.warn("Scheduled job {} ran, but the release of its lock was not confirmed by the server ({}): the"
              + " lock expires there at the end of its lease time, and the job runs nowhere before",
              job.name(), job.method());
        }
        outcome = threw ? ScheduledLockOutcome.FAILED : ScheduledLockOutcome.RAN;
      }
      tell(job, outcome);
    }
  }

  private void tell(ScheduledJob job, ScheduledLockOutcome outcome) {
    for (ScheduledRunListener listener : listeners.get()) {
      try {
        listener.onRun(job.name(), outcome);
      } catch (RuntimeException e) {
        log.warn("A ScheduledRunListener ({}) failed on the {} outcome of scheduled job {}", listener,
            outcome.tag(), job.name(), e);
      }
    }
  }
}
