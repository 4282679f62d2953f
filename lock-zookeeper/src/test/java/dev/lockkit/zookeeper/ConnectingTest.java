package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.faults.TcpProxy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connecting and closing are bounded by the command timeout, also against a server that accepts connections
 * and never answers, and a failed connect says what it waited for without showing the URI's secret.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectingTest {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
  /** Far above the command timeout (a loaded 2-core machine), far below the 30 s a connect used to take. */
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).build();
  private static final String SECRET = "Xq7-s3cr3t";

  @Test
  void connectingToAServerThatNeverAnswersFailsWithinTheCommandTimeoutSayingWhatItWaitedFor() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      long start = System.nanoTime();
      LockBackendException e = catchThrowableOfType(LockBackendException.class,
          () -> Locks.connect("zookeeper://" + silent.connectString() + "/apps", OPTIONS).close());
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(e).as("connecting to a server that never answers").isNotNull();
      assertThat(took).isLessThan(BOUND);
      assertThat(silent.accepted()).as("connections the client opened").isPositive();
      assertThat(e.getMessage()).contains("zookeeper://" + silent.connectString() + "/apps")
          .contains(COMMAND_TIMEOUT.toString());
      assertThat(e.getCause()).as("what the connect ran into").isNotNull();
      assertThat(e.getCause().getMessage()).contains(COMMAND_TIMEOUT.toString());
      // the half-open connection is closed in the background within the command timeout
      await().atMost(BOUND).until(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().startsWith("lockkit-zk") && t.getName().endsWith("-close")));
    }
  }

  @Test
  void aFailedConnectNeverShowsTheSecretOfTheUri() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    LockBackendException e;
    try (SilentServer silent = new SilentServer()) {
      // slf4j-simple writes to whatever System.err is when it logs
      System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
      try {
        e = catchThrowableOfType(LockBackendException.class, () -> Locks.connect(
            "zookeeper://app:" + SECRET + "@" + silent.connectString() + "/apps", OPTIONS).close());
        await().atMost(BOUND).until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("lockkit-zk") && t.getName().endsWith("-close")));
      } finally {
        System.setErr(err);
      }
    }
    assertThat(e).isNotNull();
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(t.toString()).doesNotContain(SECRET);
    }
    assertThat(logged.toString(StandardCharsets.UTF_8)).doesNotContain(SECRET);
  }

  @Test
  void closingAClientWhoseServerStoppedAnsweringIsBoundedByTheCommandTimeout() throws Exception {
    try (TestingServer server = new TestingServer(true);
        TcpProxy proxy = TcpProxy.start(server.getPort())) {
      LockClient client = Locks.connect("zookeeper://127.0.0.1:" + proxy.port() + "/closing?sessionTimeout=30s",
          OPTIONS);
      client.lock("closing/a").tryAcquire().orElseThrow().close();
      proxy.blackhole();
      long start = System.nanoTime();
      client.close();
      // without a bound, closing the session waits for its answer until the client gives the connection up
      // (two thirds of the session timeout)
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
    }
  }
}
