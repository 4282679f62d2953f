package dev.lockkit.idempotency.faults;

import static org.awaitility.Awaitility.await;

import dev.lockkit.faults.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault run's clients, seen from the test: starts the child JVMs, gives them the go once all are connected,
 * lets the test's fault wait for what the clients report ({@link #awaitAction}, {@link #awaitAnswers}), and
 * waits for them to end within the run's bound, killing any that does not (its unanswered requests count as
 * hangs). Closing kills whatever still runs and removes the results files.
 */
final class ExactlyOnceRun implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExactlyOnceRun.class);
  private static final Path LOG_DIR = Path.of("target", "faults-children");
  private static final Duration POLL = Duration.ofMillis(2);

  private final Path dir;
  private final List<ChildJvm> children = new ArrayList<>();
  private final List<ResultTail> tails = new ArrayList<>();
  private final List<Integer> exitCodes = new ArrayList<>();
  private final List<String> hung = new ArrayList<>();
  private long startNanos;

  private ExactlyOnceRun(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts {@code clients} child JVMs with the settings {@code settings} gives for each index and its results
   * file and go file, and waits until every one is connected.
   */
  static ExactlyOnceRun start(String runId, int clients, SettingsFactory settings) throws IOException {
    Path dir = Files.createTempDirectory("idempotency-" + runId);
    ExactlyOnceRun run = new ExactlyOnceRun(dir);
    try {
      for (int c = 0; c < clients; c++) {
        ClientSettings s = settings.of(c, dir.resolve("client-" + c + ".results"), dir.resolve("go"));
        run.tails.add(new ResultTail(s.results()));
        run.children.add(ChildJvm.start("idempotency-" + runId + "-" + s.clientName(), ExactlyOnceClient.class,
            s.toArgs(), LOG_DIR));
      }
      await("clients of " + runId + " connected").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            for (int c = 0; c < clients; c++) {
              if (!run.children.get(c).isAlive()) {
                throw new IllegalStateException("client " + c + " exited; see " + run.children.get(c).logFile());
              }
            }
            return run.tails.stream().peek(ResultTail::poll).allMatch(t -> t.has(ResultLine.Type.READY));
          });
      return run;
    } catch (RuntimeException | Error e) {
      run.close();
      throw e;
    }
  }

  /** The settings of client {@code index}, given its results file and the go file. */
  @FunctionalInterface
  interface SettingsFactory {
    ClientSettings of(int index, Path results, Path goFile);
  }

  /** Starts the workload in every client at once, a little from now. */
  void go() throws IOException {
    long startMillis = System.currentTimeMillis() + 200;
    startNanos = System.nanoTime() + Duration.ofMillis(200).toNanos();
    Path tmp = dir.resolve("go.tmp");
    Files.writeString(tmp, Long.toString(startMillis), StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve("go"), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Time since the go. */
  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  ChildJvm child(int index) {
    return children.get(index);
  }

  int clients() {
    return children.size();
  }

  /**
   * Waits until client {@code index} reports an action starting after this call (so one is running now). False
   * if none came within {@code atMost}, or the clients all exited: the workload is over, and the fault's loop ends.
   */
  boolean awaitAction(int index, Duration atMost) {
    ResultTail tail = tails.get(index);
    tail.poll();
    return paced("an action of client " + index, atMost, POLL,
        () -> tail.poll().stream().anyMatch(l -> l.type() == ResultLine.Type.ACT));
  }

  /** Waits until any client reports an action starting after this call; returns its index, -1 as above. */
  int awaitAnyAction(Duration atMost) {
    tails.forEach(ResultTail::poll);
    int[] found = {-1};
    paced("an action of any client", atMost, POLL, () -> {
      for (int c = 0; c < tails.size(); c++) {
        if (tails.get(c).poll().stream().anyMatch(l -> l.type() == ResultLine.Type.ACT)) {
          found[0] = c;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  /**
   * Waits until the clients other than {@code except} (-1: all) answered {@code more} requests more; false as
   * {@link #awaitAction}. These waits pace the faults; whether the clients recovered is the checker's question.
   */
  boolean awaitAnswers(int except, int more, Duration atMost) {
    IntFunction<Long> answers = c -> {
      tails.get(c).poll();
      return tails.get(c).count(ResultLine.Type.ANSWER);
    };
    long before = 0;
    for (int c = 0; c < tails.size(); c++) {
      before += c == except ? 0 : answers.apply(c);
    }
    long target = before + more;
    return paced("answers of the clients", atMost, Duration.ofMillis(20), () -> {
      long now = 0;
      for (int c = 0; c < tails.size(); c++) {
        now += c == except ? 0 : answers.apply(c);
      }
      return now >= target;
    });
  }

  /**
   * Waits for {@code condition}; false, logged, if it did not hold within {@code atMost} or every client exited
   * first (on a loaded machine the last keys can be answered before a fault's next step).
   */
  private boolean paced(String what, Duration atMost, Duration poll,
      java.util.concurrent.Callable<Boolean> condition) {
    boolean[] held = {false};
    try {
      await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(poll).until(() -> {
        held[0] = condition.call();
        return held[0] || children.stream().noneMatch(ChildJvm::isAlive);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      log.info("No {} within {}; the fault's loop ends", what, atMost);
      return false;
    }
    if (!held[0]) {
      log.info("The clients exited before {}; the fault's loop ends", what);
    }
    return held[0];
  }

  /**
   * Waits for every client to exit, all within {@code bound} of now; kills those still running then.
   *
   * @throws InterruptedException if interrupted
   */
  void awaitEnd(Duration bound) throws InterruptedException {
    long until = System.nanoTime() + bound.toNanos();
    for (ChildJvm child : children) {
      Duration left = Duration.ofNanos(Math.max(0, until - System.nanoTime()));
      try {
        exitCodes.add(child.awaitExit(left));
      } catch (IllegalStateException e) {
        log.warn("A client hangs: {}", e.getMessage());
        hung.add(child.logFile().toString());
        exitCodes.add(-1);
        child.close();
      }
    }
    tails.forEach(ResultTail::poll);
  }

  /** Every line of every client. */
  List<ResultLine> lines() {
    List<ResultLine> all = new ArrayList<>();
    tails.forEach(t -> all.addAll(t.lines()));
    return all;
  }

  /** The clients' exit codes, -1 for one killed at the bound. */
  List<Integer> exitCodes() {
    return List.copyOf(exitCodes);
  }

  /** The log files of the clients that were killed at the bound. */
  List<String> hung() {
    return List.copyOf(hung);
  }

  List<Path> logFiles() {
    return children.stream().map(ChildJvm::logFile).toList();
  }

  @Override
  public void close() throws IOException {
    children.forEach(ChildJvm::close);
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }
}
