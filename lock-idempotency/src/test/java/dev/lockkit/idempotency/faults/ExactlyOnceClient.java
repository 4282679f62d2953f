package dev.lockkit.idempotency.faults;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault-run client, the main class of a child JVM: for each guard of its {@link ClientSettings}, a queue of
 * every key of the run, batch by batch (a batch is released at its time after the start, its keys in this
 * client's own random order), drained by the guard's threads. Each request is retried on any error, with the
 * same key and fingerprint, until it gets an answer or its deadline passes. Everything it learns goes to its
 * results file as {@link ResultLine}s. Exits 0 once every request ended, 2 if it could not start.
 */
public final class ExactlyOnceClient {
  private static final Logger log = LoggerFactory.getLogger(ExactlyOnceClient.class);
  private static final Duration MAX_WAIT = Duration.ofSeconds(3);
  private static final Duration CONNECT_WAIT = Duration.ofSeconds(30);
  private static final Duration GO_WAIT = Duration.ofSeconds(120);

  private ExactlyOnceClient() {}

  /** Runs the client; the arguments are {@link ClientSettings#toArgs()}. */
  public static void main(String[] args) {
    try {
      run(ClientSettings.fromArgs(args));
    } catch (Throwable t) {
      log.error("The client failed", t);
      System.exit(2);
    }
    System.exit(0); // everything is closed, but do not wait for a straggling non-daemon thread of a driver
  }

  private static void run(ClientSettings settings) throws Exception {
    List<GuardUnderTest> guards = new ArrayList<>();
    try (ResultWriter out = new ResultWriter(settings.results());
        PooledDataSource pool = new PooledDataSource(settings.jdbcUrl())) {
      for (GuardKind kind : settings.guards()) {
        GuardUnderTest.Action action = new GuardUnderTest.Action(settings.clientName(), settings.action(), out, kind);
        guards.add(connect(() -> kind == GuardKind.FENCED
            ? new FencedGuard(settings.redisUri(), pool.dataSource(), settings.lease(), MAX_WAIT, action)
            : new UnfencedGuard(settings.redisUri(), pool.dataSource(), settings.lease(), MAX_WAIT, action)));
      }
      out.write(ResultLine.of(ResultLine.Type.READY));
      long startMillis = awaitGo(settings);
      long startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(startMillis - System.currentTimeMillis());
      List<Thread> threads = new ArrayList<>();
      for (int g = 0; g < guards.size(); g++) {
        GuardKind kind = settings.guards().get(g);
        GuardUnderTest guard = guards.get(g);
        ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>(order(settings));
        for (int t = 0; t < settings.threads(); t++) {
          Thread thread = new Thread(() -> drain(settings, kind, guard, queue, startNanos, out),
              kind.label() + "-" + t);
          thread.start();
          threads.add(thread);
        }
      }
      for (Thread t : threads) {
        t.join();
      }
      out.write(ResultLine.of(ResultLine.Type.DONE));
    } finally {
      for (GuardUnderTest g : guards) {
        g.close();
      }
    }
  }

  /**
   * Connects a guard, again and again for up to {@link #CONNECT_WAIT}: three JVMs starting at once on two cores
   * can miss lockkit's first connection timeout (its command timeout, 2/3 of the lease). Not part of the run.
   */
  private static GuardUnderTest connect(Supplier<GuardUnderTest> connect) throws InterruptedException {
    long until = System.nanoTime() + CONNECT_WAIT.toNanos();
    while (true) {
      try {
        return connect.get();
      } catch (RuntimeException e) {
        if (System.nanoTime() - until > 0) {
          throw e;
        }
        log.info("Connecting failed, again in a moment: {}", e.toString());
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  /** Key indexes, batch by batch, each batch shuffled by this client. */
  private static List<Integer> order(ClientSettings settings) {
    List<Integer> order = new ArrayList<>();
    for (int from = 0; from < settings.keys(); from += settings.batchSize()) {
      List<Integer> batch = new ArrayList<>();
      for (int i = from; i < Math.min(settings.keys(), from + settings.batchSize()); i++) {
        batch.add(i);
      }
      Collections.shuffle(batch, ThreadLocalRandom.current());
      order.addAll(batch);
    }
    return order;
  }

  private static void drain(ClientSettings settings, GuardKind kind, GuardUnderTest guard,
      ConcurrentLinkedQueue<Integer> queue, long startNanos, ResultWriter out) {
    Integer i;
    while ((i = queue.poll()) != null) {
      try {
        long wait = startNanos + settings.releaseOf(i).toNanos() - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        request(settings, kind, guard, ClientSettings.key(settings.runId(), kind, i), out);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void request(ClientSettings settings, GuardKind kind, GuardUnderTest guard, String key,
      ResultWriter out) throws InterruptedException {
    long deadline = System.nanoTime() + settings.keyDeadline().toNanos();
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        String answer = guard.request(key);
        out.write(ResultLine.of(ResultLine.Type.ANSWER, kind.name(), key, answer, Integer.toString(attempts)));
        return;
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        log.debug("{} {}: attempt {} failed", kind, key, attempts, e);
        out.write(ResultLine.of(ResultLine.Type.RETRY, kind.name(), key, e.getClass().getSimpleName()));
        if (System.nanoTime() - deadline > 0) {
          log.warn("{} {}: giving up after {} attempts", kind, key, attempts, e);
          out.write(ResultLine.of(ResultLine.Type.GAVEUP, kind.name(), key, Integer.toString(attempts),
              String.valueOf(e)));
          return;
        }
        TimeUnit.MILLISECONDS.sleep(20 + ThreadLocalRandom.current().nextInt(40));
      }
    }
  }

  private static long awaitGo(ClientSettings settings) throws Exception {
    long until = System.nanoTime() + GO_WAIT.toNanos();
    while (System.nanoTime() - until < 0) {
      if (Files.exists(settings.goFile())) {
        String text = Files.readString(settings.goFile(), StandardCharsets.UTF_8).strip();
        if (!text.isEmpty()) {
          return Long.parseLong(text);
        }
      }
      TimeUnit.MILLISECONDS.sleep(10); // polling a file: the child has no other channel from the test
    }
    throw new IllegalStateException("no go file " + settings.goFile() + " after " + GO_WAIT);
  }
}
