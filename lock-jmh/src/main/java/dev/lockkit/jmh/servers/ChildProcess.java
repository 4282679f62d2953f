package dev.lockkit.jmh.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server started as a child process on a loopback port: waits until the port accepts connections,
 * stops on {@link #close()} and, as a last resort, when the JVM exits.
 */
public final class ChildProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);

  private final String what;
  private final Process process;
  private final int port;
  private final Thread reaper;

  private ChildProcess(String what, Process process, int port) {
    this.what = what;
    this.process = process;
    this.port = port;
    this.reaper = new Thread(process::destroyForcibly, "lockkit-bench-reaper-" + port);
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Starts {@code command} with its output in {@code logFile}, and waits up to {@code startup} for it to
   * listen on {@code port}.
   *
   * @param what a name for messages
   * @param command the command line
   * @param port the port it will listen on
   * @param logFile where its output goes
   * @param startup how long it may take to listen
   * @return the running process
   * @throws IOException if it cannot be started or does not listen in time
   */
  public static ChildProcess start(String what, List<String> command, int port, Path logFile, Duration startup)
      throws IOException {
    return start(what, command, port, logFile, startup, ChildProcess::listening);
  }

  /**
   * As {@link #start(String, List, int, Path, Duration)}, with a readiness check of the server's own.
   *
   * @param what a name for messages
   * @param command the command line
   * @param port the port it will listen on
   * @param logFile where its output goes
   * @param startup how long it may take to be ready
   * @param ready answers whether the server on the port serves requests yet
   * @return the running process
   * @throws IOException if it cannot be started or is not ready in time
   */
  public static ChildProcess start(String what, List<String> command, int port, Path logFile, Duration startup,
      java.util.function.IntPredicate ready) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    ChildProcess child = new ChildProcess(what, p, port);
    long deadline = System.nanoTime() + startup.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!p.isAlive()) {
        child.close();
        throw new IOException(what + " exited with " + p.exitValue() + " at start; see " + logFile);
      }
      if (ready.test(port)) {
        log.info("{} listening on 127.0.0.1:{} (pid {}, log {})", what, port, p.pid(), logFile);
        return child;
      }
      try {
        p.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        child.close();
        throw new IOException("interrupted while starting " + what, e);
      }
    }
    child.close();
    throw new IOException(what + " did not listen on port " + port + " within " + startup + "; see " + logFile);
  }

  /**
   * Whether something accepts connections on the loopback port.
   *
   * @param port the port
   * @return true if a connection could be made
   */
  public static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A port that was free a moment ago on the loopback interface.
   *
   * @return the port
   * @throws IOException if no port could be bound
   */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /**
   * The port the process listens on.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * The process id.
   *
   * @return the pid
   */
  public long pid() {
    return process.pid();
  }

  /** Stops the process: a polite signal first, then a forcible one. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook runs anyway
    }
    log.info("{} on port {} stopped", what, port);
  }
}
