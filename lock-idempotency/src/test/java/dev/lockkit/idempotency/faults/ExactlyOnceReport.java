package dev.lockkit.idempotency.faults;

import java.util.List;
import java.util.Map;

/**
 * What one guard did in one fault run, as the {@link ExactlyOnceChecker} found it.
 *
 * @param guard the guard
 * @param fault what was done to the run
 * @param keys the keys requested (each by every client)
 * @param keysWithWrongEffects keys whose effect rows number other than exactly 1
 * @param extraEffects effect rows beyond the first, over all keys
 * @param mismatchedAnswers answers that differ from the key's stored outcome
 * @param lostKeys keys without a stored outcome, without an effect, or whose stored outcome is no effect's
 * @param hangs requests that got no answer within the run's bound
 * @param requests requests made (keys x clients)
 * @param retries failed attempts that were retried
 * @param retryCauses the failed attempts by exception type
 * @param examples a few of the violations, for the log
 */
record ExactlyOnceReport(GuardKind guard, String fault, int keys, int keysWithWrongEffects, int extraEffects,
    int mismatchedAnswers, int lostKeys, int hangs, int requests, int retries, Map<String, Integer> retryCauses,
    List<String> examples) {

  ExactlyOnceReport {
    retryCauses = Map.copyOf(retryCauses);
    examples = List.copyOf(examples);
  }

  /** Whether every must-be-zero column is zero. */
  boolean exactlyOnce() {
    return keysWithWrongEffects == 0 && extraEffects == 0 && mismatchedAnswers == 0 && lostKeys == 0 && hangs == 0;
  }
}
