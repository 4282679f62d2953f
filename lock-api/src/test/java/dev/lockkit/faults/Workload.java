package dev.lockkit.faults;

import dev.lockkit.DistributedLock;
import dev.lockkit.LockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault workload: every given client (each a separate {@link LockClient}, as separate processes would
 * be) runs some threads that, until the duration is over, take one lock, read-modify-write the fenced
 * resource with their token, and release. Each turn becomes an {@link Attempt} in the run's record.
 *
 * <p>One turn: {@code acquire(maxWait)}; register a loss listener; check {@code isValid()} (the section
 * starts here if it is valid, and touches nothing otherwise); read the store with the token; spin for the
 * work time; check {@code isValid()} again and skip the write if it turned false; (the point where a
 * {@link ClientStall} freezes the holder); write value + 1 with the token; check {@code isValid()} once more;
 * {@code close()}. Every call is bounded: acquisition by {@code maxWait}, release by the client's command
 * timeout; the run ends by itself when the duration is over and the last turn finishes.
 *
 * <p>The clients belong to the caller, who closes them after the run (and then probes for leftovers).
 */
public final class Workload {
  private static final Logger log = LoggerFactory.getLogger(Workload.class);
  private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final List<LockClient> clients;
  private final String lockName;
  private final int threadsPerClient;
  private final Duration duration;
  private final Duration maxWait;
  private final Duration work;
  private final String holderPrefix;
  private final Supplier<WorkerLink> links;

  private Workload(Builder b) {
    this.clients = List.copyOf(b.clients);
    this.lockName = Objects.requireNonNull(b.lockName, "lockName");
    this.threadsPerClient = b.threadsPerClient;
    this.duration = b.duration;
    this.maxWait = b.maxWait;
    this.work = b.work;
    this.holderPrefix = b.holderPrefix;
    this.links = Objects.requireNonNull(b.links, "links (or recording)");
  }

  /**
   * A builder: 2 threads per client, 2 s, waits of 5 s, 100 µs of work, holder prefix {@code p0}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The holder prefix of one client's threads, for {@link Recording#acquisitions(String)} and pauses.
   *
   * @param client the client's index
   * @return {@code <prefix>/c<client>/}
   */
  public String holderPrefix(int client) {
    return holderPrefix + "/c" + client + "/";
  }

  /**
   * Starts the workload threads.
   *
   * @return the running workload
   */
  public Run start() {
    return new Run();
  }

  /** A running workload. Close it to stop it early; it stops by itself once the duration is over. */
  public final class Run implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final List<ClientStall> stalls = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final long endAt;
    private volatile boolean running = true;

    private Run() {
      endAt = System.nanoTime() + duration.toNanos();
      for (int c = 0; c < clients.size(); c++) {
        stalls.add(ClientStall.of(clients.get(c), holderPrefix(c), pause -> {
          try (WorkerLink link = links.get()) {
            link.pause(pause);
          }
        }));
      }
      for (int c = 0; c < clients.size(); c++) {
        for (int t = 0; t < threadsPerClient; t++) {
          int client = c;
          String holder = holderPrefix(c) + "t" + t;
          Thread thread = new Thread(() -> runThread(client, holder), "faults-" + holder);
          thread.setDaemon(true);
          threads.add(thread);
        }
      }
      threads.forEach(Thread::start);
    }

    /**
     * The stall of one client, to {@link ClientStall#arm(Duration) arm}.
     *
     * @param client the client's index
     * @return its stall
     */
    public ClientStall stall(int client) {
      return stalls.get(client);
    }

    /**
     * Waits for the workload to end by itself.
     *
     * @param atMost the longest wait
     * @return true if every thread finished
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration atMost) throws InterruptedException {
      long until = System.nanoTime() + atMost.toNanos();
      for (Thread t : threads) {
        long left = until - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
      }
      return threads.stream().noneMatch(Thread::isAlive);
    }

    /**
     * How long {@link #await} may need at most: the duration, one more bounded turn, and slack.
     *
     * @return a bound for awaiting the end
     */
    public Duration bound() {
      return duration.plus(maxWait).plus(maxWait).plus(Duration.ofSeconds(10));
    }

    /**
     * What went wrong in the workload itself (a broken link), not in the library.
     *
     * @return the failures of workload threads
     */
    public List<Throwable> failures() {
      return List.copyOf(failures);
    }

    /** Stops the threads: interrupts them and waits a few seconds for them to end. */
    @Override
    public void close() {
      running = false;
      threads.forEach(Thread::interrupt);
      try {
        await(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void runThread(int client, String holder) {
      DistributedLock lock = clients.get(client).lock(lockName);
      long closeBound = clients.get(client).options().commandTimeout().toNanos();
      ClientStall stall = stalls.get(client);
      try (WorkerLink link = links.get()) {
        int n = 0;
        while (running && System.nanoTime() - endAt < 0) {
          stall.checkpoint(false);
          Attempt attempt = Turn.take(lock, holder + "#" + n++, holder, maxWait, closeBound, work, stall, link,
              () -> running);
          link.record(attempt);
          if (attempt.acquired() == Attempt.Acquired.STOPPED || Thread.currentThread().isInterrupted()) {
            break;
          }
          if (attempt.acquired() == Attempt.Acquired.BACKEND_ERROR) {
            // a server that refuses at once would otherwise be asked in a tight loop
            TimeUnit.NANOSECONDS.sleep(BACKOFF_NANOS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        log.error("Workload thread {} failed", holder, e);
        failures.add(e);
      }
    }
  }

  /** Builds a {@link Workload}. */
  public static final class Builder {
    private final List<LockClient> clients = new ArrayList<>();
    private @Nullable String lockName;
    private int threadsPerClient = 2;
    private Duration duration = Duration.ofSeconds(2);
    private Duration maxWait = Duration.ofSeconds(5);
    private Duration work = Duration.ofNanos(100_000);
    private String holderPrefix = "p0";
    private @Nullable Supplier<WorkerLink> links;

    private Builder() {}

    /**
     * The clients, one per simulated process; all must reach the same server.
     *
     * @param clients at least one
     * @return this builder
     */
    public Builder clients(List<LockClient> clients) {
      if (clients.isEmpty()) {
        throw new IllegalArgumentException("clients must not be empty");
      }
      this.clients.addAll(clients);
      return this;
    }

    /**
     * The one lock every thread takes.
     *
     * @param lockName a valid lock name
     * @return this builder
     */
    public Builder lockName(String lockName) {
      this.lockName = lockName;
      return this;
    }

    /**
     * Threads per client.
     *
     * @param threads at least 1
     * @return this builder
     */
    public Builder threadsPerClient(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1, was " + threads);
      }
      this.threadsPerClient = threads;
      return this;
    }

    /**
     * How long threads keep starting new turns.
     *
     * @param duration positive
     * @return this builder
     */
    public Builder duration(Duration duration) {
      this.duration = positive(duration, "duration");
      return this;
    }

    /**
     * The {@code maxWait} of every acquisition, which is also its bound for the hang check.
     *
     * @param maxWait positive
     * @return this builder
     */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = positive(maxWait, "maxWait");
      return this;
    }

    /**
     * Busy time between the read and the write of a section.
     *
     * @param work zero or positive
     * @return this builder
     */
    public Builder work(Duration work) {
      if (work.isNegative()) {
        throw new IllegalArgumentException("work must not be negative, was " + work);
      }
      this.work = work;
      return this;
    }

    /**
     * The first word of every holder name, such as {@code p1} for the second process.
     *
     * @param prefix letters and digits
     * @return this builder
     */
    public Builder holderPrefix(String prefix) {
      if (!prefix.matches("[A-Za-z0-9_-]{1,32}")) {
        throw new IllegalArgumentException("holderPrefix must be 1 to 32 of A-Z a-z 0-9 _ -, was " + prefix);
      }
      this.holderPrefix = prefix;
      return this;
    }

    /**
     * Records into a recording of this JVM.
     *
     * @param recording the run's record
     * @return this builder
     */
    public Builder recording(Recording recording) {
      this.links = recording::link;
      return this;
    }

    /**
     * Records through links made by the supplier, one per thread (a child process's {@link RemoteLink}s).
     *
     * @param links makes a link
     * @return this builder
     */
    public Builder links(Supplier<WorkerLink> links) {
      this.links = links;
      return this;
    }

    /**
     * Builds the workload.
     *
     * @return the workload, not started
     */
    public Workload build() {
      if (clients.isEmpty()) {
        throw new IllegalStateException("clients were not set");
      }
      return new Workload(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
