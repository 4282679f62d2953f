package dev.lockkit.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM child process of a test, on the test's own class path, with its output in a log file. It can be
 * frozen the way a long GC or an overloaded host freezes a process, with {@code SIGSTOP}, and thawed with
 * {@code SIGCONT} ({@link #pause()}, {@link #resume()}, {@link #freeze(Duration)}): every thread stops,
 * the lock client's timers, its I/O threads and the workload alike. Closing kills it; a JVM shutdown hook
 * kills every child still alive, should a test fail before closing it.
 *
 * <p>The class path is that of the test: {@code surefire.test.class.path} when present (surefire's own
 * {@code java.class.path} may be a manifest-only booter jar), otherwise {@code java.class.path}.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChildJvm.class);
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "faults-child-reaper"));
  }

  private final String name;
  private final Process process;
  private final Path logFile;

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * Starts {@code java -cp <test class path> <mainClass> <args>}.
   *
   * @param name a name for logs and the log file
   * @param mainClass the class whose main to run
   * @param args its arguments
   * @param logDir where the child's output goes, as {@code <name>-<start millis>.log}
   * @return the running child
   * @throws UncheckedIOException if it cannot be started
   */
  public static ChildJvm start(String name, Class<?> mainClass, List<String> args, Path logDir) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
    command.add("-cp");
    command.add(classPath());
    command.add(mainClass.getName());
    command.addAll(args);
    try {
      Files.createDirectories(logDir);
      Path logFile = logDir.resolve(name + "-" + System.currentTimeMillis() + ".log");
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(logFile.toFile()).start();
      LIVE.add(process);
      log.info("Started child JVM {} (pid {}), output in {}", name, process.pid(), logFile);
      return new ChildJvm(name, process, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start child JVM " + name, e);
    }
  }

  /**
   * Starts a {@link WorkloadMain} child reporting to a recording server.
   *
   * @param settings what the child runs; its prefix names it
   * @param store the recording server's address
   * @param logDir where the child's output goes
   * @return the running child
   */
  public static ChildJvm startWorkload(WorkloadMain.Settings settings, InetSocketAddress store, Path logDir) {
    return start("workload-" + settings.prefix(), WorkloadMain.class, settings.toArgs(store), logDir);
  }

  /**
   * The class path a child gets.
   *
   * @return the test's class path
   */
  public static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /**
   * The child's process id.
   *
   * @return the pid
   */
  public long pid() {
    return process.pid();
  }

  /**
   * The child's output so far.
   *
   * @return the log file
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * Whether it is still running (a stopped child is alive).
   *
   * @return true until it exits
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops every thread of the child with {@code SIGSTOP}. */
  public void pause() {
    signal("STOP");
  }

  /** Lets a stopped child go on with {@code SIGCONT}. */
  public void resume() {
    signal("CONT");
  }

  /**
   * Stops the child for {@code length}, then lets it go on, and says when it was frozen.
   *
   * @param holderPrefix the prefix of the child's holders, for the pause record
   * @param length how long to keep it stopped
   * @return the frozen interval, from before the stop to after the continue
   * @throws InterruptedException if interrupted while it is stopped; it is continued first
   */
  public Pause freeze(String holderPrefix, Duration length) throws InterruptedException {
    long start = System.nanoTime();
    pause();
    try {
      long until = start + length.toNanos();
      long left;
      while ((left = until - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
    } finally {
      resume();
    }
    return new Pause(holderPrefix, start, System.nanoTime());
  }

  /**
   * Waits for the child to exit by itself.
   *
   * @param atMost the longest wait
   * @return its exit code
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if it is still running after {@code atMost}
   */
  public int awaitExit(Duration atMost) throws InterruptedException {
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("child JVM " + name + " still runs after " + atMost + "; see " + logFile);
    }
    LIVE.remove(process);
    return process.exitValue();
  }

  /** Kills the child if it still runs (also when stopped) and waits for it to go. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly(); // SIGKILL ends a stopped process too
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LIVE.remove(process);
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run kill -" + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal, e);
    }
  }
}
