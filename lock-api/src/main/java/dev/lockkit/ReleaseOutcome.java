package dev.lockkit;

/**
 * How a lease ended, as {@link Lease#release()} reports it instead of throwing: for callers that release in a
 * {@code finally} block, where an exception would hide the one the critical section threw.
 */
public enum ReleaseOutcome {
  /**
   * The lease was held until it was released: the critical section was protected throughout. Also what a
   * re-entrant lease reports, whose holding goes on, and every call after the first.
   */
  RELEASED,

  /**
   * The lease was lost before it was released (its lease time ran out unrenewed, the server lost it, the
   * session expired, the client closed): the critical section was not protected throughout, and another owner
   * may have run meanwhile. What {@link Lease#close()} reports by throwing {@link LockLostException}.
   */
  LOST,

  /**
   * The server could not be told in time (no answer, a lost connection): the lock expires on the server at the
   * end of its lease time, and another owner gets it only then. Whether the section was protected throughout
   * is not known either. What {@link Lease#close()} reports by throwing {@link LockBackendException}.
   */
  UNCONFIRMED
}
