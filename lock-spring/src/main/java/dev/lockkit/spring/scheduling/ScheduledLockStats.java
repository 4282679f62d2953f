package dev.lockkit.spring.scheduling;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of the calls of {@link ScheduledLock} methods in this application, per job and
 * {@link ScheduledLockOutcome}, since it started: what a health check, an admin endpoint or a test reads without
 * a metrics library. Thread-safe; the auto-configuration registers one as a bean.
 */
public final class ScheduledLockStats implements ScheduledRunListener {
  private static final int OUTCOMES = ScheduledLockOutcome.values().length;
  private final ConcurrentMap<String, AtomicLongArray> counts = new ConcurrentHashMap<>();

  /** Empty counts. */
  public ScheduledLockStats() {}

  /**
   * Counts one call.
   *
   * @param job the job's lock name
   * @param outcome how the call ended
   */
  @Override
  public void onRun(String job, ScheduledLockOutcome outcome) {
    counts.computeIfAbsent(job, j -> new AtomicLongArray(OUTCOMES)).incrementAndGet(outcome.ordinal());
  }

  /**
   * How many calls of the job ended with the outcome.
   *
   * @param job the job's lock name, placeholders resolved
   * @param outcome the outcome
   * @return the count, zero for a job never called
   */
  public long count(String job, ScheduledLockOutcome outcome) {
    AtomicLongArray c = counts.get(job);
    return c == null ? 0 : c.get(outcome.ordinal());
  }

  /**
   * How many calls of any job ended with the outcome.
   *
   * @param outcome the outcome
   * @return the sum over all jobs
   */
  public long total(ScheduledLockOutcome outcome) {
    long sum = 0;
    for (AtomicLongArray c : counts.values()) {
      sum += c.get(outcome.ordinal());
    }
    return sum;
  }

  /**
   * The jobs called at least once.
   *
   * @return their lock names, sorted
   */
  public Set<String> jobs() {
    return new TreeSet<>(counts.keySet());
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ScheduledLockStats{");
    for (String job : jobs()) {
      s.append(job).append('{');
      for (ScheduledLockOutcome o : ScheduledLockOutcome.values()) {
        s.append(o.tag()).append('=').append(count(job, o)).append(o.ordinal() < OUTCOMES - 1 ? ", " : "}");
      }
      s.append(", ");
    }
    if (s.charAt(s.length() - 1) == ' ') {
      s.setLength(s.length() - 2);
    }
    return s.append('}').toString();
  }
}
