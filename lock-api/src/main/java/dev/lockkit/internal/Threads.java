package dev.lockkit.internal;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads, so that a client never keeps a JVM alive and its threads are easy to spot. */
final class Threads {
  private Threads() {}

  static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      return t;
    };
  }
}
