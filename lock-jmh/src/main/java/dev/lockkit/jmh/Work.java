package dev.lockkit.jmh;

/** Busy work inside a critical section. */
public final class Work {
  private Work() {}

  /**
   * Spins for about {@code micros} microseconds (a critical section that holds the CPU).
   *
   * @param micros how long
   */
  public static void spin(int micros) {
    if (micros <= 0) {
      return;
    }
    long until = System.nanoTime() + micros * 1_000L;
    while (System.nanoTime() - until < 0) {
      Thread.onSpinWait();
    }
  }
}
