package dev.lockkit.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a finished {@link Recording} and counts what went wrong. The definitions, on which every column
 * rests:
 *
 * <ul>
 *   <li>A <b>section</b> is an attempt that got a lease which was valid when first checked. The
 *       <b>acquisitions</b> column counts the sections that wrote: a lease that was invalid when first checked,
 *       or turned invalid before the write, protected no work. It starts at
 *       {@link Attempt#validAtNanos()} (a moment the lease was certainly held, so sections start in the
 *       order the server granted them, also when a holder was frozen before it could look) and ends at
 *       {@link Attempt#closeStartNanos()}. A section is <em>newer</em> than another if it started later.
 *   <li><b>Overlaps</b>: sections into which the next section (in start order) started before they ended: the
 *       lock had two holders at once, and the older one's lease had been given away while it held it. A holder
 *       frozen for many turns of the others counts once. Zero without faults; under a pause or failover they
 *       may happen, and the next columns say whether any harm came of them.
 *   <li>A write is <b>stale</b> if, when it reached the store, a section newer than the writer's had already
 *       read the store. This is judged from the history (section start times and the store's arrival log),
 *       not from the store's own rule, so it counts stale writes whatever the tokens say: a fence that works
 *       rejects them all ({@code staleRejected}); {@code staleAccepted} counts those it let through, which a
 *       token that does not follow the grant order, or a store without fence, lets happen. Without a newer
 *       reader in between, an old holder's late write is simply serialised before the newer holder and is
 *       not stale.
 *   <li><b>Legitimate writes rejected</b>: writes the store rejected that were not stale: the fence was raised
 *       by a token from an older section, so tokens went backwards.
 *   <li>A <b>silent loss</b>: an overlapped section (a newer section started before it ended, so the server had
 *       given the lock away while it still held it) whose holder was not told: it
 *       never saw {@code isValid()} false, no loss listener ran before its {@code close()} returned, and
 *       {@code close()} did not throw ({@link Attempt#toldOfLoss()}). A loss that nobody else took advantage of
 *       leaves no trace in a history and is not counted.
 *   <li>A <b>hang</b>: an {@code acquire} or {@code close} call that took longer than its bound plus the
 *       grace, after the time its holder was frozen by a {@link Pause} is taken off.
 *   <li><b>Leftovers</b>: what the caller's probe found after every client released and closed.
 * </ul>
 */
public final class Checker {
  private static final int MAX_EXAMPLES = 12;

  private Checker() {}

  /**
   * Checks a recording.
   *
   * @param backend the backend's name for the report
   * @param fault the fault's name for the report
   * @param recording the finished run
   * @param grace how much longer than its bound a call may take before it counts as a hang
   * @param leftovers what was left on the server after everyone released, as found by a probe
   * @return the counts
   */
  public static FaultReport check(String backend, String fault, Recording recording, Duration grace,
      List<String> leftovers) {
    return check(backend, fault, recording.attempts(), recording.store().accesses(), recording.pauses(), grace,
        leftovers);
  }

  /**
   * Checks a history given in parts (for tests of the checker itself).
   *
   * @param backend the backend's name for the report
   * @param fault the fault's name for the report
   * @param attempts every attempt of the run
   * @param accesses the store's log
   * @param pauses every freeze a fault caused
   * @param grace how much longer than its bound a call may take before it counts as a hang
   * @param leftovers what a probe found after everyone released
   * @return the counts
   */
  public static FaultReport check(String backend, String fault, List<Attempt> attempts,
      List<FencedStore.Access> accesses, List<Pause> pauses, Duration grace, List<String> leftovers) {
    List<String> examples = new ArrayList<>();
    Set<String> wrote = new HashSet<>();
    for (FencedStore.Access access : accesses) {
      if (access.kind() == FencedStore.Kind.WRITE) {
        wrote.add(access.section());
      }
    }
    // a lease already invalid when first checked protected nothing and wrote nothing: not an acquisition
    long acquisitions = attempts.stream().filter(a -> a.hasSection() && wrote.contains(a.id())).count();
    long failed = attempts.stream()
        .filter(a -> a.acquired() == Attempt.Acquired.TIMEOUT || a.acquired() == Attempt.Acquired.BACKEND_ERROR)
        .count();
    long errors = attempts.stream()
        .filter(a -> a.acquired() == Attempt.Acquired.ERROR || a.closed() == Attempt.Closed.ERROR)
        .peek(a -> example(examples, "error: " + a))
        .count();

    List<Attempt> sections = new ArrayList<>(attempts.stream().filter(Attempt::hasSection).toList());
    sections.sort((a, b) -> Long.compare(a.validAtNanos() - b.validAtNanos(), 0));

    // a section whose successor (in start order) started before it ended had its lease given away while held
    long overlaps = 0;
    long silent = 0;
    for (int i = 0; i + 1 < sections.size(); i++) {
      Attempt s = sections.get(i);
      Attempt next = sections.get(i + 1);
      if (next.validAtNanos() - end(s) < 0) {
        overlaps++;
        if (!s.toldOfLoss()) {
          silent++;
          example(examples, "silent loss: " + s.id() + " (token " + s.token() + ") held on after "
              + next.id() + " (token " + next.token() + ") started, and was not told");
        }
      }
    }

    // stale writes: judged by the arrival order at the store and the start order of sections
    Map<String, Long> startOf = new HashMap<>();
    for (Attempt s : sections) {
      startOf.put(s.id(), s.validAtNanos());
    }
    List<FencedStore.Access> log = new ArrayList<>(accesses);
    log.sort(Comparator.comparingLong(FencedStore.Access::seq));
    long staleRejected = 0;
    long staleAccepted = 0;
    long legitRejected = 0;
    boolean anyRead = false;
    long newestReaderStart = 0;
    String newestReader = "";
    for (FencedStore.Access access : log) {
      Long start = startOf.get(access.section());
      if (start == null) {
        // a section whose attempt was never reported (its process was killed): cannot be judged
        continue;
      }
      if (access.kind() == FencedStore.Kind.READ) {
        if (!anyRead || start - newestReaderStart > 0) {
          anyRead = true;
          newestReaderStart = start;
          newestReader = access.section();
        }
        continue;
      }
      boolean stale = anyRead && newestReaderStart - start > 0;
      if (stale && access.accepted()) {
        staleAccepted++;
        example(examples, "stale write accepted: " + access.section() + " (token " + access.token()
            + ") wrote after the newer " + newestReader + " had read");
      } else if (stale) {
        staleRejected++;
      } else if (!access.accepted()) {
        legitRejected++;
        example(examples, "legitimate write rejected: " + access.section() + " (token " + access.token()
            + ") met fence " + access.fenceBefore() + " though no newer section had touched the store");
      }
    }

    long graceNanos = grace.toNanos();
    long hangs = 0;
    for (Attempt a : attempts) {
      if (hung(a.holder(), a.acquireStartNanos(), a.acquireEndNanos(), a.acquireBoundNanos(), graceNanos,
          pauses)) {
        hangs++;
        example(examples, "hang: acquire of " + a.id() + " took "
            + Duration.ofNanos(a.acquireEndNanos() - a.acquireStartNanos()) + ", bound "
            + Duration.ofNanos(a.acquireBoundNanos()));
      }
      if (a.closeStartNanos() != Attempt.NONE && a.closeEndNanos() != Attempt.NONE
          && hung(a.holder(), a.closeStartNanos(), a.closeEndNanos(), a.closeBoundNanos(), graceNanos, pauses)) {
        hangs++;
        example(examples, "hang: close of " + a.id() + " took "
            + Duration.ofNanos(a.closeEndNanos() - a.closeStartNanos()) + ", bound "
            + Duration.ofNanos(a.closeBoundNanos()));
      }
    }
    for (String left : leftovers) {
      example(examples, "leftover: " + left);
    }
    return new FaultReport(backend, fault, acquisitions, failed, overlaps, staleRejected, staleAccepted,
        legitRejected, silent, hangs, leftovers.size(), errors, examples);
  }

  private static long end(Attempt section) {
    // every section is closed by the workload; should one not be, end it where it began rather than guess
    return section.closeStartNanos() == Attempt.NONE ? section.validAtNanos() : section.closeStartNanos();
  }

  private static boolean hung(String holder, long start, long end, long bound, long grace, List<Pause> pauses) {
    long took = end - start;
    for (Pause p : pauses) {
      if (p.froze(holder)) {
        took -= p.overlapNanos(start, end);
      }
    }
    return took - saturatedAdd(bound, grace) > 0;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static void example(List<String> examples, String line) {
    if (examples.size() < MAX_EXAMPLES) {
      examples.add(line);
    }
  }
}
