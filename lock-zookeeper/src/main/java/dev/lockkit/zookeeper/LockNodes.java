package dev.lockkit.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The layout of lock nodes: {@code <chroot>/<namespace>/<name>/_c_<guid>-lock-<sequence>}, where
 * {@code _c_<guid>-} is Curator's protection prefix, and the order of a lock's queue; and of keepers,
 * {@code <chroot>/<namespace>/<name>/keep$<czxid>}, the persistent nodes that hold a lock for a minimum hold
 * after its holder's node is gone.
 */
final class LockNodes {
  /** What every lock node's name (after the protection prefix) starts with. */
  static final String PREFIX = "lock-";

  /**
   * What every keeper's name starts with. Lock names cannot contain {@code $}, nor can their encoding, so no
   * node of a lock whose name continues another's ({@code a/keep...} below {@code a}) is taken for a keeper.
   */
  static final String KEEPER_PREFIX = "keep$";

  /** Curator's protection prefix: {@code _c_}, a UUID, {@code -}. */
  private static final String PROTECTION = "_c_";
  private static final int PROTECTED_LENGTH = PROTECTION.length() + 36 + 1;

  private LockNodes() {}

  /** One child of a lock's node that is a lock node, with its place in the queue. */
  record Node(String name, int sequence) {}

  /** What {@link #sequence} gives for a name that is not a lock node's: no {@code int} equals it. */
  static final long NOT_A_NODE = Long.MIN_VALUE;

  /** Queue order: by the server's sequence; the name only breaks ties, which {@link #exhausted} refuses. */
  private static final Comparator<Node> ORDER =
      Comparator.comparingInt(Node::sequence).thenComparing(Node::name);

  /** The parent of a lock's nodes: {@code <chroot>/<namespace>/<encoded name>}. */
  static String lockPath(String chroot, String namespace, String name) {
    return chroot + "/" + namespace + "/" + encode(name);
  }

  /** The path given to the create: Curator adds the protection prefix and the server the sequence. */
  static String nodePath(String lockPath) {
    return lockPath + "/" + PREFIX;
  }

  /** The last segment of a path. */
  static String nodeName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /**
   * The lock nodes among a lock node's children, in queue order (by the server's sequence). Other children
   * (the nodes of a lock whose name continues this one's, as {@code a/b} below {@code a}) are left out.
   */
  static List<Node> queue(List<String> children) {
    List<Node> nodes = new ArrayList<>(children.size());
    for (String child : children) {
      long sequence = sequence(child);
      if (sequence != NOT_A_NODE) {
        nodes.add(new Node(child, (int) sequence));
      }
    }
    nodes.sort(ORDER);
    return nodes;
  }

  /**
   * The server's sequence number of a lock node's name, or {@link #NOT_A_NODE}. It is the parent's child
   * counter, a signed 32-bit int that every create of a child moves on by one (deletes do not), written
   * {@code %010d}: ten digits, or a minus and nine or ten.
   *
   * <p>The counter does not wrap cleanly. Past 2<sup>31</sup> - 1 the next value is -2<sup>31</sup>, but the
   * server stores a parent's counter only when it grows (so that replaying its log cannot move it back), so it
   * stays at 2<sup>31</sup> - 1: later creates get that number again, and only creates pipelined behind one
   * another get the negative ones. From there on the numbers no longer tell the order in which nodes were
   * created, so such a queue is {@link #exhausted} and refused rather than ordered.
   */
  static long sequence(String name) {
    int start = sequenceStart(name);
    if (start < 0) {
      return NOT_A_NODE;
    }
    long value = Long.parseLong(name, start, name.length(), 10); // at most ten digits: no overflow
    return value == (int) value ? value : NOT_A_NODE;
  }

  /**
   * Where the sequence starts in a name shaped like a lock node's, else -1. The shape: optionally Curator's
   * protection ({@code _c_}, a UUID, {@code -}), then {@code lock-}, then the server's sequence, ten digits or a
   * minus and nine or ten. Read by hand, not by a regular expression: it runs on every lock and unlock.
   */
  private static int sequenceStart(String name) {
    int at = 0;
    if (name.startsWith(PROTECTION)) {
      if (name.length() < PROTECTED_LENGTH || !isUuid(name, PROTECTION.length())
          || name.charAt(PROTECTED_LENGTH - 1) != '-') {
        return -1;
      }
      at = PROTECTED_LENGTH;
    }
    if (!name.startsWith(PREFIX, at)) {
      return -1;
    }
    int start = at + PREFIX.length();
    int length = name.length() - start;
    boolean negative = length > 0 && name.charAt(start) == '-';
    boolean shaped = negative
        ? (length == 10 || length == 11) && digits(name, start + 1)
        : length == 10 && digits(name, start);
    return shaped ? start : -1;
  }

  /** Whether the 36 characters from {@code from} are a UUID: hex digits in groups of 8-4-4-4-12. */
  private static boolean isUuid(String s, int from) {
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(from + i);
      boolean ok = i == 8 || i == 13 || i == 18 || i == 23
          ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether every character from {@code from} on is an ASCII digit. */
  private static boolean digits(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code sequence} is one the server gives in creation order: from 0 below 2<sup>31</sup> - 1. */
  static boolean ordered(long sequence) {
    return sequence >= 0 && sequence < Integer.MAX_VALUE;
  }

  /**
   * Whether a node of the queue has a number the server no longer gives in creation order (see
   * {@link #sequence}): the parent's counter is used up, and no order of this queue can be trusted until the
   * parent is deleted (a container parent is, once empty) and created again, counting from 0.
   */
  static boolean exhausted(List<Node> queue) {
    for (Node node : queue) {
      if (!ordered(node.sequence())) {
        return true;
      }
    }
    return false;
  }

  /** Index of {@code name} in the queue, or -1. */
  static int indexOf(List<Node> queue, String name) {
    for (int i = 0; i < queue.size(); i++) {
      if (queue.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The name of the keeper that holds the lock after the holding of token {@code czxid}: unique for as long as
   * the ensemble lives (zxids are never handed out twice), so that a late delete of it can never hit another.
   */
  static String keeperName(long czxid) {
    return KEEPER_PREFIX + czxid;
  }

  /** The keepers among a lock node's children, in no particular order. */
  static List<String> keepers(List<String> children) {
    List<String> keepers = null;
    for (String child : children) {
      if (child.startsWith(KEEPER_PREFIX)) {
        if (keepers == null) {
          keepers = new ArrayList<>(1);
        }
        keepers.add(child);
      }
    }
    return keepers == null ? List.of() : keepers;
  }

  /** A keeper's data: how long it keeps the lock from its creation (its {@code ctime}), in ms, in decimal. */
  static byte[] keeperData(long keepMillis) {
    return Long.toString(keepMillis).getBytes(StandardCharsets.US_ASCII);
  }

  /** The keep a keeper's data states, in ms; 0 for data that is not a keeper's (it then keeps nothing). */
  static long keepMillis(byte @Nullable [] data) {
    if (data == null || data.length == 0 || data.length > 18) {
      return 0;
    }
    long millis = 0;
    for (byte b : data) {
      if (b < '0' || b > '9') {
        return 0;
      }
      millis = millis * 10 + (b - '0');
    }
    return millis;
  }

  /**
   * How long a keeper still holds the lock after {@code serverNow}, on the server's clock: its end is its
   * {@code ctime} plus its keep, both written by the server's leader. Negative or 0 once it has ended.
   *
   * @param keeperCtime the keeper's {@code ctime}, ms since the epoch on the server
   * @param keepMillis the keep in its data
   * @param serverNow a moment on the same clock, as the {@code ctime} or {@code mtime} of another write
   */
  static long keptMillisAfter(long keeperCtime, long keepMillis, long serverNow) {
    return keeperCtime + keepMillis - serverNow; // ms since the epoch and keeps of at most 18 digits: no overflow
  }

  /** A keep in whole ms, rounded up: a minimum hold is never shortened. */
  static long ceilMillis(Duration keep) {
    long millis = keep.toMillis();
    return keep.minusMillis(millis).isZero() ? millis : millis + 1;
  }

  /**
   * Makes a valid lock name a valid ZooKeeper path. Lock names may hold any letter or digit, but ZooKeeper
   * refuses UTF-16 surrogates, so a letter outside the Basic Multilingual Plane is written {@code %XXXXXX}
   * (its code point in six hex digits); lock names cannot contain {@code %}, so no two names meet. A segment
   * shaped like a lock node ({@code a/lock-0000000000}) gets its first character written that way too: its
   * node sits among the lock nodes of the name before it ({@code a}), whose queue would count it as a member.
   */
  static String encode(String name) {
    String path = encodeLetters(name);
    if (!path.contains(PREFIX)) {
      return path;
    }
    String[] segments = path.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (sequenceStart(segments[i]) >= 0) {
        segments[i] = String.format("%%%06X", (int) segments[i].charAt(0)) + segments[i].substring(1);
      }
    }
    return String.join("/", segments);
  }

  private static String encodeLetters(String name) {
    StringBuilder out = null;
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      int width = Character.charCount(cp);
      if (cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xF8FF) || cp >= 0xFFF0) {
        if (out == null) {
          out = new StringBuilder(name.length() + 8).append(name, 0, i);
        }
        out.append('%').append(String.format("%06X", cp));
      } else if (out != null) {
        out.appendCodePoint(cp);
      }
      i += width;
    }
    return out == null ? name : out.toString();
  }
}
