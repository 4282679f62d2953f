package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * What the probes share: argument parsing, each contender's client and lock, waiting for a thread to block, writing
 * the table.
 */
final class Probes {
  private Probes() {}

  /**
   * The contenders a probe's first argument names, comma-separated; {@code defaults} where it is absent or blank.
   *
   * @throws IllegalArgumentException if a name is not a {@link Contender}'s, naming the argument and what is allowed
   */
  static List<Contender> contenders(String list, List<Contender> defaults) {
    if (list == null || list.isBlank()) {
      return defaults;
    }
    List<Contender> out = new ArrayList<>();
    try {
      for (String name : list.split(",")) {
        out.add(Contender.valueOf(name.trim()));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("contenders: \"" + list + "\" names no Contender; allowed: "
          + List.of(Contender.values()), e);
    }
    return out;
  }

  /**
   * Each contender's client, put in {@code instances} as it is made (the caller closes them, also when a later one
   * fails), and a lock of its own, named {@code prefix} and a random UUID: the locks, in the contenders' order.
   */
  static Map<Contender, LockHandle> openLocks(List<Contender> contenders, String prefix,
      Map<Contender, Contender.Instance> instances) throws Exception {
    Map<Contender, LockHandle> locks = new LinkedHashMap<>();
    for (Contender c : contenders) {
      Contender.Instance instance = c.create();
      instances.put(c, instance);
      locks.put(c, instance.lock(prefix + UUID.randomUUID()));
    }
    return locks;
  }

  /** Waits until the thread is parked (waiting for its lock), at most {@code seconds}. */
  static void awaitBlocked(AtomicReference<Thread> ref, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() - deadline < 0) {
      Thread t = ref.get();
      if (t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)) {
        return;
      }
      LockSupport.parkNanos(100_000);
    }
    throw new IllegalStateException("the waiter did not block within " + seconds + " s");
  }

  /** Daemon threads named {@code name}: a probe whose lock library hangs still ends. */
  static ThreadFactory daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  static void write(Path out, String markdown) throws IOException {
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, markdown);
  }
}
