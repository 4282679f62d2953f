package dev.lockkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.faults.Attempt.Acquired;
import dev.lockkit.faults.Attempt.Closed;
import dev.lockkit.faults.FencedStore.Access;
import dev.lockkit.faults.FencedStore.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each column of the checker on small hand-made histories: what counts, and what must not. */
class CheckerTest {
  private static final long MS = 1_000_000;
  private static final Duration GRACE = Duration.ofMillis(100);

  private final List<Attempt> attempts = new ArrayList<>();
  private final List<Access> log = new ArrayList<>();

  @Test
  void sectionsOneAfterAnotherAreClean() {
    section("a#0", 1, 0, 10, Closed.OK, false);
    read("a#0", 1, 1);
    write("a#0", 1, 2, true);
    section("b#0", 2, 20, 30, Closed.OK, false);
    read("b#0", 2, 21);
    write("b#0", 2, 22, true);

    FaultReport r = check(List.of());
    assertThat(r.safe()).isTrue();
    assertThat(r.acquisitions()).isEqualTo(2);
    assertThat(r.overlaps()).isZero();
    assertThat(r.staleRejected()).isZero();
  }

  @Test
  void aFrozenHolderCutIntoCountsOnceAndItsLateWriteIsStale() {
    section("old#0", 1, 0, 100, Closed.LOST, false);
    read("old#0", 1, 1);
    section("new#0", 2, 20, 30, Closed.OK, false);
    read("new#0", 2, 21);
    write("new#0", 2, 22, true);
    section("new#1", 3, 40, 50, Closed.OK, false);
    read("new#1", 3, 41);
    write("new#1", 3, 42, true);
    write("old#0", 1, 90, false); // thawed: the fence rejects it

    FaultReport r = check(List.of());
    assertThat(r.overlaps()).isEqualTo(1);
    assertThat(r.staleRejected()).isEqualTo(1);
    assertThat(r.staleAccepted()).isZero();
    assertThat(r.silentLosses()).as("close threw LockLostException").isZero();
    assertThat(r.safe()).isTrue();
  }

  @Test
  void aStaleWriteTheStoreAcceptsIsCounted() {
    section("old#0", 5, 0, 100, Closed.LOST, false);
    read("old#0", 5, 1);
    section("new#0", 4, 20, 30, Closed.OK, false); // newer, but a lower token
    read("new#0", 4, 21);
    write("old#0", 5, 25, true);

    FaultReport r = check(List.of());
    assertThat(r.staleAccepted()).isEqualTo(1);
    assertThat(r.safe()).isFalse();
  }

  @Test
  void aLateWriteBeforeTheNewHolderTouchedTheStoreIsNotStale() {
    section("old#0", 1, 0, 100, Closed.LOST, false);
    read("old#0", 1, 1);
    section("new#0", 2, 20, 130, Closed.OK, false);
    write("old#0", 1, 25, true); // serialised before the new holder's read
    read("new#0", 2, 110);
    write("new#0", 2, 111, true);

    FaultReport r = check(List.of());
    assertThat(r.staleAccepted()).isZero();
    assertThat(r.staleRejected()).isZero();
    assertThat(r.legitRejected()).isZero();
  }

  @Test
  void aRejectedWriteWithoutANewerReaderIsATokenRegression() {
    section("a#0", 9, 0, 10, Closed.OK, false);
    read("a#0", 9, 1);
    write("a#0", 9, 2, true);
    section("b#0", 3, 20, 30, Closed.OK, false);
    read("b#0", 3, 21);
    write("b#0", 3, 22, false);

    FaultReport r = check(List.of());
    assertThat(r.legitRejected()).isEqualTo(1);
    assertThat(r.staleRejected()).isZero();
  }

  @Test
  void aHolderCutIntoAndNeverToldIsASilentLoss() {
    section("old#0", 1, 0, 100, Closed.OK, false);
    section("new#0", 2, 20, 30, Closed.OK, false);

    assertThat(check(List.of()).silentLosses()).isEqualTo(1);
  }

  @Test
  void isValidFalseOrAListenerBeforeCloseTellsTheHolder() {
    attempts.add(new Attempt("old#0", "old", 0, 0, 5 * MS, Acquired.YES, 1, 0, 50 * MS, Attempt.NONE, 100 * MS,
        101 * MS, 5 * MS, Closed.OK));
    attempts.add(new Attempt("mid#0", "mid", 0, 0, 5 * MS, Acquired.YES, 2, 20 * MS, Attempt.NONE, 60 * MS,
        120 * MS, 121 * MS, 5 * MS, Closed.OK));
    section("new#0", 3, 70, 80, Closed.OK, false);

    assertThat(check(List.of()).silentLosses()).isZero();
  }

  @Test
  void aCloseThatThrowsLockLostTellsTheHolderButAReleaseThatTimedOutDoesNot() {
    section("lost#0", 1, 0, 100, Closed.LOST, false);
    section("unreachable#0", 2, 20, 200, Closed.BACKEND_ERROR, false);
    section("new#0", 3, 150, 160, Closed.OK, false);

    FaultReport r = check(List.of());
    assertThat(r.overlaps()).isEqualTo(2);
    assertThat(r.silentLosses()).as("isValid() stayed true and close() only failed to reach the server")
        .isEqualTo(1);
    assertThat(r.toString()).contains("silent loss: unreachable#0");
  }

  @Test
  void onlySectionsThatStartedValidAndWroteCountAsAcquisitions() {
    section("wrote#0", 1, 0, 10, Closed.OK, false);
    read("wrote#0", 1, 1);
    write("wrote#0", 1, 2, true);
    section("skipped#0", 2, 20, 30, Closed.LOST, true); // turned invalid before its write
    read("skipped#0", 2, 21);
    attempts.add(new Attempt("dead#0", "dead", 40 * MS, 41 * MS, 5_000 * MS, Acquired.YES, 3, Attempt.NONE,
        41 * MS, Attempt.NONE, 42 * MS, 43 * MS, 5_000 * MS, Closed.LOST)); // invalid when first checked

    assertThat(check(List.of()).acquisitions()).isEqualTo(1);
  }

  @Test
  void aListenerThatRunsOnlyAfterCloseReturnedDoesNotCount() {
    attempts.add(new Attempt("old#0", "old", 0, 0, 5 * MS, Acquired.YES, 1, 0, Attempt.NONE, 150 * MS, 100 * MS,
        101 * MS, 5 * MS, Closed.OK));
    section("new#0", 2, 20, 30, Closed.OK, false);

    assertThat(check(List.of()).silentLosses()).isEqualTo(1);
  }

  @Test
  void aCallPastItsBoundIsAHangUnlessItsHolderWasFrozen() {
    attempts.add(new Attempt("a#0", "p1/c0/t0", 0, 600 * MS, 100 * MS, Acquired.TIMEOUT, 0, Attempt.NONE,
        Attempt.NONE, Attempt.NONE, Attempt.NONE, Attempt.NONE, 100 * MS, Closed.NOT_HELD));
    assertThat(check(List.of()).hangs()).isEqualTo(1);

    FaultReport frozen = Checker.check("b", "f", attempts, log, List.of(new Pause("p1/", 50 * MS, 550 * MS)),
        GRACE, List.of());
    assertThat(frozen.hangs()).isZero();

    FaultReport otherFrozen = Checker.check("b", "f", attempts, log,
        List.of(new Pause("p2/", 50 * MS, 550 * MS)), GRACE, List.of());
    assertThat(otherFrozen.hangs()).isEqualTo(1);
  }

  @Test
  void aSlowCloseIsAHang() {
    attempts.add(new Attempt("a#0", "a", 0, 1 * MS, 100 * MS, Acquired.YES, 1, 2 * MS, Attempt.NONE,
        Attempt.NONE, 3 * MS, 500 * MS, 100 * MS, Closed.BACKEND_ERROR));
    assertThat(check(List.of()).hangs()).isEqualTo(1);
  }

  @Test
  void leftoversAndErrorsAreCounted() {
    attempts.add(new Attempt("a#0", "a", 0, 1 * MS, 100 * MS, Acquired.ERROR, 0, Attempt.NONE, Attempt.NONE,
        Attempt.NONE, Attempt.NONE, Attempt.NONE, 100 * MS, Closed.NOT_HELD));
    FaultReport r = check(List.of("key lockkit:{x}"));
    assertThat(r.leftovers()).isEqualTo(1);
    assertThat(r.errors()).isEqualTo(1);
    assertThat(r.safe()).isFalse();
    assertThat(r.toString()).contains("leftover: key lockkit:{x}");
  }

  @Test
  void anAttemptSurvivesEncoding() {
    Attempt a = new Attempt("p1/c0/t1#7", "p1/c0/t1", -5, 7, 9, Acquired.YES, 42, 8, Attempt.NONE, 11, 12, 13,
        14, Closed.LOST);
    assertThat(Attempt.decode(a.encode())).isEqualTo(a);
  }

  private FaultReport check(List<String> leftovers) {
    return Checker.check("b", "f", attempts, log, List.of(), GRACE, leftovers);
  }

  /** A section from {@code startMs} to {@code endMs}; told means isValid() was seen false. */
  private void section(String id, long token, long startMs, long endMs, Closed closed, boolean told) {
    attempts.add(new Attempt(id, id.substring(0, id.indexOf('#')), startMs * MS - MS, startMs * MS - 1,
        5_000 * MS, Acquired.YES, token, startMs * MS, told ? endMs * MS : Attempt.NONE, Attempt.NONE,
        endMs * MS, endMs * MS + 1, 5_000 * MS, closed));
  }

  private void read(String section, long token, long atMs) {
    log.add(new Access(log.size(), Kind.READ, section, token, 0, true, 0, atMs * MS));
  }

  private void write(String section, long token, long atMs, boolean accepted) {
    log.add(new Access(log.size(), Kind.WRITE, section, token, 0, accepted, 0, atMs * MS));
  }
}
