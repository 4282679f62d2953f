package dev.lockkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The proxy's four modes, against a tiny echo server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpProxyTest {
  private EchoServer echo;
  private TcpProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    proxy = TcpProxy.start(echo.port());
  }

  @AfterEach
  void stop() {
    proxy.close();
    echo.close();
  }

  @Test
  void passForwardsBothWays() throws IOException {
    try (Socket s = connect()) {
      assertThat(roundTrip(s, "hello")).isEqualTo("hello");
      assertThat(roundTrip(s, "again")).isEqualTo("again");
      assertThat(proxy.connections()).isEqualTo(1);
    }
  }

  @Test
  void delayAddsLatencyEachWay() throws IOException {
    try (Socket s = connect()) {
      roundTrip(s, "warm");
      proxy.delay(Duration.ofMillis(300));
      long start = System.nanoTime();
      assertThat(roundTrip(s, "slow")).isEqualTo("slow");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMs).isBetween(550L, 10_000L); // 300 ms up, 300 ms down
      proxy.pass();
      assertThat(roundTrip(s, "fast")).isEqualTo("fast");
    }
  }

  @Test
  void blackholeAcceptsButForwardsNothingUntilItPassesAgain() throws IOException {
    try (Socket s = connect()) {
      roundTrip(s, "before");
      proxy.blackhole();
      send(s, "held");
      s.setSoTimeout(500);
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      try (Socket late = connect()) {
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.connections() == 2);
        send(late, "late");
        late.setSoTimeout(300);
        assertThatThrownBy(() -> late.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        proxy.pass();
        late.setSoTimeout(5000);
        assertThat(receive(late, 4)).isEqualTo("late");
      }
      s.setSoTimeout(5000);
      assertThat(receive(s, 4)).as("what the blackhole held is delivered").isEqualTo("held");
    }
  }

  @Test
  void resetKillsOpenConnectionsAndAcceptsNewOnes() throws IOException {
    try (Socket s = connect()) {
      roundTrip(s, "alive");
      proxy.resetAll();
      s.setSoTimeout(5000);
      // a reset, not an orderly close (which would read as end of stream) and not a silent wait
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class)
          .isNotInstanceOf(SocketTimeoutException.class).hasMessageContaining("reset");
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.connections() == 0);
    }
    try (Socket fresh = connect()) {
      assertThat(roundTrip(fresh, "again")).isEqualTo("again");
    }
  }

  @Test
  void closeEndsEveryThread() throws IOException {
    Socket s = connect();
    roundTrip(s, "x");
    proxy.blackhole();
    send(s, "stuck");
    proxy.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.liveThreads().isEmpty());
    s.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    send(s, text);
    return receive(s, text.length());
  }

  private static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String receive(Socket s, int length) throws IOException {
    InputStream in = s.getInputStream();
    byte[] got = in.readNBytes(length);
    return new String(got, StandardCharsets.UTF_8);
  }

  /** Echoes every byte back, a thread per connection. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    EchoServer() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "echo-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          sockets.add(s);
          Thread t = new Thread(() -> echo(s), "echo-" + s.getPort());
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void echo(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buffer = new byte[1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the test reset or closed it
      } finally {
        sockets.remove(s);
      }
    }

    @Override
    public void close() {
      try {
        server.close();
      } catch (IOException e) {
        // closing anyway
      }
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }
}
