package dev.lockkit.faults;

import java.util.List;

/**
 * What {@link Checker} found in one run: the columns of the {@link FaultTable} and, for each nonzero
 * must-be-zero column, a few examples to read in a failure message. See {@link Checker} for how each count
 * is defined.
 *
 * @param backend the backend, such as {@code memory} or {@code redis (Lettuce)}
 * @param fault the fault, such as {@code none} or {@code client paused 2x lease}
 * @param acquisitions critical sections that started with a valid lease and wrote (see {@link Checker})
 * @param failedAcquisitions acquisitions that timed out or met a backend error (expected under faults)
 * @param overlaps critical sections whose successor began before they ended (two holders at once)
 * @param staleRejected stale writes the fence rejected
 * @param staleAccepted stale writes the store accepted (must be 0)
 * @param legitRejected writes the fence rejected although no newer holder had touched the store: a token
 *     went backwards (must be 0)
 * @param silentLosses sections whose lease demonstrably ended while held, without the holder being told
 *     (must be 0)
 * @param hangs calls that took longer than their bound plus the grace, frozen time aside (must be 0)
 * @param leftovers locks, keys or nodes left after every client released and closed (must be 0)
 * @param errors unexpected exceptions from acquire or close (must be 0)
 * @param examples a few lines describing what made must-be-zero columns nonzero
 */
public record FaultReport(String backend, String fault, long acquisitions, long failedAcquisitions,
    long overlaps, long staleRejected, long staleAccepted, long legitRejected, long silentLosses, long hangs,
    long leftovers, long errors, List<String> examples) {

  /** Copies the examples. */
  public FaultReport {
    examples = List.copyOf(examples);
  }

  /**
   * Whether every must-be-zero column is zero.
   *
   * @return true if the run was safe
   */
  public boolean safe() {
    return staleAccepted == 0 && legitRejected == 0 && silentLosses == 0 && hangs == 0 && leftovers == 0
        && errors == 0;
  }

  /**
   * A one-line summary with the examples, for logs and assertion messages.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder()
        .append(backend).append(" / ").append(fault)
        .append(": acquisitions=").append(acquisitions)
        .append(", failedAcquisitions=").append(failedAcquisitions)
        .append(", overlaps=").append(overlaps)
        .append(", staleRejected=").append(staleRejected)
        .append(", staleAccepted=").append(staleAccepted)
        .append(", legitRejected=").append(legitRejected)
        .append(", silentLosses=").append(silentLosses)
        .append(", hangs=").append(hangs)
        .append(", leftovers=").append(leftovers)
        .append(", errors=").append(errors);
    for (String example : examples) {
      b.append("\n  ").append(example);
    }
    return b.toString();
  }
}
