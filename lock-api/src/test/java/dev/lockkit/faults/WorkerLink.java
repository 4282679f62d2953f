package dev.lockkit.faults;

/**
 * What one workload thread talks to: the fenced resource and the run's record. In the test's JVM it is
 * {@link Recording#link()}; in a child process it is a {@link RemoteLink} to a {@link RecordingServer}. Not
 * shared between threads.
 */
public interface WorkerLink extends AutoCloseable {

  /**
   * Reads the resource, claiming it with the token (see {@link FencedStore#read}).
   *
   * @param section the id of the reader's critical section
   * @param token the reader's fencing token
   * @return the value
   */
  long read(String section, long token);

  /**
   * Writes the resource (see {@link FencedStore#write}).
   *
   * @param section the id of the writer's critical section
   * @param token the writer's fencing token
   * @param value the new value
   * @return true if the fence let it through
   */
  boolean write(String section, long token, long value);

  /**
   * Adds a finished attempt to the run's record.
   *
   * @param attempt the attempt
   */
  void record(Attempt attempt);

  /**
   * Adds a freeze a fault caused to the run's record.
   *
   * @param pause the freeze
   */
  void pause(Pause pause);

  /** Lets go of the link; does not stop the run. */
  @Override
  void close();
}
