package dev.lockkit.contract;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A record of critical sections, each from the moment its acquisition returned to the moment its release was
 * called, on this JVM's monotonic clock, and the checks over it: two sections of one lock that overlap, and
 * fencing tokens that do not grow in the order the sections ran. Concurrency tests record into one and assert
 * that both checks come back empty.
 */
public final class History {
  /** One critical section. */
  public record Section(String holder, long token, long startNanos, long endNanos) {}

  private final ConcurrentLinkedQueue<Section> sections = new ConcurrentLinkedQueue<>();

  /** Records a finished critical section. */
  public void record(String holder, long token, long startNanos, long endNanos) {
    if (endNanos - startNanos < 0) {
      throw new IllegalArgumentException("a section cannot end before it starts");
    }
    sections.add(new Section(holder, token, startNanos, endNanos));
  }

  /** The sections in the order they started. */
  public List<Section> sections() {
    List<Section> sorted = new ArrayList<>(sections);
    sorted.sort(Comparator.comparingLong(Section::startNanos));
    return sorted;
  }

  /** Every pair of sections that ran at the same time; empty when mutual exclusion held. */
  public List<String> overlaps() {
    List<String> found = new ArrayList<>();
    Section latest = null; // the section that ends last among those started so far
    for (Section s : sections()) {
      if (latest != null && s.startNanos() - latest.endNanos() < 0) {
        found.add(s + " started " + (latest.endNanos() - s.startNanos()) / 1000 + " µs before " + latest
            + " ended");
      }
      if (latest == null || s.endNanos() - latest.endNanos() > 0) {
        latest = s;
      }
    }
    return found;
  }

  /** Every section whose token is not greater than its predecessor's; empty when tokens only grew. */
  public List<String> tokenRegressions() {
    List<String> found = new ArrayList<>();
    Section previous = null;
    for (Section s : sections()) {
      if (previous != null && s.token() <= previous.token()) {
        found.add(s + " has a token not above that of the earlier " + previous);
      }
      previous = s;
    }
    return found;
  }

  /** How many sections were recorded. */
  public int size() {
    return sections.size();
  }
}
