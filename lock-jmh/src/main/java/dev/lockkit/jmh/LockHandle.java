package dev.lockkit.jmh;

/** One lock of one contender, shared by the benchmark's threads. */
@FunctionalInterface
public interface LockHandle {
  /**
   * Waits for the lock and returns what releases it.
   *
   * @return closing it releases the lock
   * @throws Exception whatever the contender's library throws
   */
  AutoCloseable acquire() throws Exception;
}
