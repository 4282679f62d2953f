package dev.lockkit.idempotency.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sends signals with a bash that is already running (its builtin {@code kill}), so that a {@code SIGSTOP} lands
 * within a millisecond or so of the decision: starting a {@code kill} process from a JVM (as lock-api's
 * {@code ChildJvm.pause()} does) takes tens of milliseconds on a busy machine, longer than the actions the
 * freeze must land inside. Closing ends the bash.
 */
final class Signaller implements AutoCloseable {
  private final Process bash;
  private final OutputStream in;
  private final BufferedReader out;

  Signaller() throws IOException {
    bash = new ProcessBuilder("bash", "-c",
        "while read -r sig pid; do if kill -s \"$sig\" \"$pid\"; then echo ok; else echo failed; fi; done")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    in = bash.getOutputStream();
    out = new BufferedReader(new InputStreamReader(bash.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Sends {@code signal} ({@code STOP}, {@code CONT}) to {@code pid} and waits until it was sent. */
  synchronized void send(String signal, long pid) {
    try {
      in.write((signal + " " + pid + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
      String answer = out.readLine();
      if (!"ok".equals(answer)) {
        throw new IllegalStateException("kill -s " + signal + " " + pid + " answered " + answer);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops {@code pid} for {@code length}, then continues it (also when interrupted). */
  void freeze(long pid, Duration length) throws InterruptedException {
    send("STOP", pid);
    try {
      TimeUnit.NANOSECONDS.sleep(length.toNanos()); // the pause's length: the fault itself
    } finally {
      send("CONT", pid);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
    try {
      if (!bash.waitFor(5, TimeUnit.SECONDS)) {
        bash.destroyForcibly();
      }
    } catch (InterruptedException e) {
      bash.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
