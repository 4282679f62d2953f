package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisCluster;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A server that answers the connect with an error (a wrong password, none, a database that does not exist, an ACL
 * user without a command the drivers send, a standalone server named as a cluster): the top message of the {@link LockBackendException} says what the
 * server answered and what to check, for both drivers, and no message or cause shows the password.
 */
class ConnectRefusalTest {
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();
  private static final String PASSWORD = "topsecret";
  private static final String WRONG = "wrongpassword";

  private static RedisServer secured;
  private static RedisCluster cluster;

  @BeforeAll
  static void startServers() {
    // dave may log in but not PING, which Jedis sends while connecting
    secured = RedisServer.launch("--requirepass", PASSWORD, "--user", "alice", "on", ">wonderland", "~lockkit:*",
        "+@all", "--user", "dave", "on", ">wonderland", "~lockkit:*", "-@all", "+hello", "+auth", "+client",
        "+info");
    cluster = RedisCluster.launch(3);
    // after the cluster formed, so that the fixture's own connections needed no password
    for (RedisServer node : cluster.nodes()) {
      try (Resp r = node.resp()) {
        r.call("CONFIG", "SET", "requirepass", PASSWORD);
      }
    }
  }

  @AfterAll
  static void stopServers() {
    if (secured != null) {
      secured.stop();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "lettuce, wrong password, WRONGPASS, check the user and password",
      "jedis,   wrong password, WRONGPASS, check the user and password",
      "lettuce, wrong user,     WRONGPASS, check the user and password",
      "jedis,   wrong user,     WRONGPASS, check the user and password",
      "lettuce, no password,    NOAUTH,    requires a password",
      "jedis,   no password,    NOAUTH,    requires a password",
      "lettuce, bad database,   DB index is out of range, databases",
      "jedis,   bad database,   DB index is out of range, databases",
      // Lettuce sends no command dave lacks while connecting: its first lock fails instead
      "jedis,   no permission,  NOPERM,    see the ACL rules in the README"})
  void aStandaloneServerThatRefusesTheConnectIsQuoted(String driver, String fault, String reply, String hint) {
    String address = "127.0.0.1:" + secured.port();
    String uri = switch (fault) {
      case "wrong password" -> "redis://:" + WRONG + "@" + address;
      case "wrong user" -> "redis://alice:" + WRONG + "@" + address;
      case "no password" -> "redis://" + address;
      case "bad database" -> "redis://alice:wonderland@" + address + "/99";
      case "no permission" -> "redis://dave:wonderland@" + address;
      default -> throw new IllegalArgumentException(fault);
    };
    String shown = (fault.equals("no password") ? "redis://" : "redis://***@") + address
        + (fault.equals("bad database") ? "/99" : "");
    assertRefused(uri + "?driver=" + driver, shown, reply, hint);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "lettuce, wrong password, WRONGPASS, check the user and password",
      "jedis,   wrong password, WRONGPASS, check the user and password",
      "lettuce, no password,    NOAUTH,    requires a password",
      "jedis,   no password,    NOAUTH,    requires a password"})
  void aClusterThatRefusesTheConnectIsQuoted(String driver, String fault, String reply, String hint) {
    String seeds = cluster.uri().substring("redis-cluster://".length());
    String userInfo = fault.equals("no password") ? "" : ":" + WRONG + "@";
    String shown = "redis-cluster://" + (userInfo.isEmpty() ? "" : "***@") + seeds;
    assertRefused("redis-cluster://" + userInfo + seeds + "?driver=" + driver, shown, reply, hint);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"lettuce", "jedis"})
  void aStandaloneServerNamedAsAClusterIsQuoted(String driver) {
    try (RedisServer plain = RedisServer.launch()) {
      String address = "127.0.0.1:" + plain.port();
      assertRefused("redis-cluster://" + address + "?driver=" + driver, "redis-cluster://" + address,
          "cluster support disabled", "use redis://");
    }
  }

  private static void assertRefused(String uri, String shown, String reply, String hint) {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    assertThatThrownBy(() -> Locks.connect(uri, OPTIONS).close())
        .isInstanceOf(LockBackendException.class)
        .satisfies(e -> {
          assertThat(e.getMessage()).startsWith(shown + " refused the connection: ").contains(reply).contains(hint);
          assertThat(e.getCause()).as("the driver's exception, kept as the cause").isNotNull();
          StringWriter trace = new StringWriter();
          e.printStackTrace(new PrintWriter(trace)); // causes and suppressed included
          assertThat(trace.toString()).doesNotContain(WRONG).doesNotContain(PASSWORD).doesNotContain("wonderland")
              .doesNotContain("alice").doesNotContain("dave");
        });
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(RedisConnectTest.newClientThreads(before)).isEmpty());
  }
}
