package dev.lockkit.spring.scheduling;

/**
 * Told the outcome of each call of a {@link ScheduledLock} method. Every bean of this type is told, in bean
 * order, on the thread that called the method, after the lease was released and before the method's result or
 * exception reaches the caller: keep it quick. A listener that throws is logged and does not disturb the run or
 * the other listeners.
 */
@FunctionalInterface
public interface ScheduledRunListener {

  /**
   * Called once per call of a {@link ScheduledLock} method.
   *
   * @param job the job's lock name, placeholders resolved
   * @param outcome how the call ended
   */
  void onRun(String job, ScheduledLockOutcome outcome);
}
