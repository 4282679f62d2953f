package dev.lockkit.faults;

import dev.lockkit.LockClient;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated stop-the-world pause (a long GC) of one client of this JVM: its timer thread, which runs
 * renewals and expiry checks, and the workload threads using it stop for a while, in the middle of a
 * critical section. The holder has checked {@code isValid()} and is about to write when it freezes; when it
 * thaws its lease has run out on the server, so its write carries a stale token.
 *
 * <p>How: {@link #arm(Duration)} sets it; the next workload thread of the client to reach the write point
 * ({@link #checkpoint(boolean)}) starts the freeze: it puts a task on the client's timer that blocks until
 * the pause is over, and waits out the pause itself; every other thread of the client waits at its next
 * checkpoint. The frozen interval is reported as a {@link Pause}. The client's backend threads (driver I/O,
 * a ZooKeeper event thread) are not frozen; for the real thing, run the client in a child JVM and stop it
 * with {@link ChildJvm#pause()}.
 *
 * <p>The timer is found by reflection on lockkit's core client (field {@code timer} of
 * {@code dev.lockkit.internal.CoreLockClient}, thread {@code lockkit-<id>-timer}). A client built otherwise
 * freezes only its workload threads, which a warning says.
 */
public final class ClientStall {
  private static final Logger log = LoggerFactory.getLogger(ClientStall.class);
  /** How much longer than the pause the timer task may block, should the thawing thread die. */
  private static final long TIMER_SLACK_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String holderPrefix;
  private final @Nullable ExecutorService timer;
  private final Consumer<Pause> sink;
  private final AtomicReference<@Nullable Duration> armed = new AtomicReference<>();
  private boolean frozen; // guarded by this

  private ClientStall(String holderPrefix, @Nullable ExecutorService timer, Consumer<Pause> sink) {
    this.holderPrefix = holderPrefix;
    this.timer = timer;
    this.sink = sink;
  }

  /**
   * A stall for one client.
   *
   * @param client the client whose timer to freeze
   * @param holderPrefix the prefix of the names of the workload threads that use it, for the {@link Pause}
   * @param sink where the pause is reported once over
   * @return the stall, not armed
   */
  public static ClientStall of(LockClient client, String holderPrefix, Consumer<Pause> sink) {
    return new ClientStall(holderPrefix, timerOf(client), sink);
  }

  /**
   * Freezes the client at its next critical section for {@code pause}.
   *
   * @param pause how long the freeze lasts
   */
  public void arm(Duration pause) {
    armed.set(pause);
  }

  /**
   * Whether armed and not yet started.
   *
   * @return true until a thread reaches the write point
   */
  public boolean isArmed() {
    return armed.get() != null;
  }

  /**
   * Called by the client's workload threads: waits while the client is frozen, and at the write point
   * ({@code atWritePoint}) starts an armed freeze.
   *
   * @param atWritePoint true inside a critical section, just before the write
   * @throws InterruptedException if interrupted while frozen
   */
  public void checkpoint(boolean atWritePoint) throws InterruptedException {
    Duration pause = atWritePoint ? armed.getAndSet(null) : null;
    if (pause != null) {
      freeze(pause);
      return;
    }
    synchronized (this) {
      while (frozen) {
        wait();
      }
    }
  }

  private void freeze(Duration pause) throws InterruptedException {
    long start = System.nanoTime();
    long until = start + pause.toNanos();
    synchronized (this) {
      frozen = true;
    }
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch thaw = new CountDownLatch(1);
    try {
      if (timer != null) {
        try {
          timer.execute(() -> {
            blocked.countDown();
            try {
              thaw.await(pause.toNanos() + TIMER_SLACK_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt(); // the client is closing
            }
          });
          // the timer may be running a task; the freeze counts from when it is really stuck
          blocked.await(pause.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          log.debug("The client's timer is shut down; freezing only the workload threads");
        }
      }
      long left;
      while ((left = until - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
    } finally {
      thaw.countDown();
      synchronized (this) {
        frozen = false;
        notifyAll();
      }
      sink.accept(new Pause(holderPrefix, start, System.nanoTime()));
    }
  }

  private static @Nullable ExecutorService timerOf(LockClient client) {
    try {
      Field field = client.getClass().getDeclaredField("timer");
      field.setAccessible(true);
      if (field.get(client) instanceof ExecutorService timer) {
        return timer;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("No timer found in {}", client, e);
    }
    log.warn("{} is not lockkit's core client: a stall freezes only its workload threads, not its renewals",
        client);
    return null;
  }
}
