package dev.lockkit.idempotency.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a fault run of one guard once every client ended: per key, the effect rows in the database (exactly
 * one), the stored outcome (present, and the result of one of the key's effects), and every answer the callers
 * got (each equal to the stored outcome); and that every request got an answer.
 */
final class ExactlyOnceChecker {
  private static final int MAX_EXAMPLES = 8;

  private ExactlyOnceChecker() {}

  /**
   * Checks one guard's part of a run.
   *
   * @param guard the guard
   * @param fault the fault's description
   * @param keys every key the guard's requests used
   * @param clients how many clients requested each key
   * @param effects per key, the results of the executions whose effect is in the database
   * @param stored per key, the outcome the guard's store holds at the end (absent: none)
   * @param lines every line of every client (other guards' lines are skipped)
   * @return the report
   */
  static ExactlyOnceReport check(GuardKind guard, String fault, List<String> keys, int clients,
      Map<String, List<String>> effects, Map<String, String> stored, List<ResultLine> lines) {
    Map<String, Integer> answered = new HashMap<>();
    Map<String, Integer> retryCauses = new TreeMap<>();
    List<String> examples = new ArrayList<>();
    int mismatched = 0;
    int retries = 0;
    for (ResultLine line : lines) {
      if (line.fields().isEmpty() || line.guard() != guard) {
        continue;
      }
      switch (line.type()) {
        case ANSWER -> {
          answered.merge(line.key(), 1, Integer::sum);
          String outcome = stored.get(line.key());
          if (outcome != null && !outcome.equals(line.third())) {
            mismatched++;
            example(examples, line.key() + ": a caller got " + line.third() + ", stored is " + outcome);
          }
        }
        case RETRY -> {
          retries++;
          retryCauses.merge(line.third(), 1, Integer::sum);
        }
        default -> {
          // ACT and GAVEUP: the answers and the effects tell the rest
        }
      }
    }
    int wrongEffects = 0;
    int extra = 0;
    int lost = 0;
    int hangs = 0;
    for (String key : keys) {
      List<String> done = effects.getOrDefault(key, List.of());
      if (done.size() != 1) {
        wrongEffects++;
        extra += Math.max(0, done.size() - 1);
        example(examples, key + ": " + done.size() + " effects " + done);
      }
      String outcome = stored.get(key);
      if (outcome == null || !done.contains(outcome)) {
        lost++;
        example(examples, key + ": stored outcome " + outcome + ", effects " + done);
      }
      int missing = clients - answered.getOrDefault(key, 0);
      if (missing > 0) {
        hangs += missing;
        example(examples, key + ": " + missing + " of " + clients + " requests got no answer");
      }
    }
    return new ExactlyOnceReport(guard, fault, keys.size(), wrongEffects, extra, mismatched, lost, hangs,
        keys.size() * clients, retries, retryCauses, examples);
  }

  private static void example(List<String> examples, String text) {
    if (examples.size() < MAX_EXAMPLES) {
      examples.add(text);
    }
  }
}
