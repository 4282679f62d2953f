package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authentication with a password and an ACL user, ACL users limited to a namespace of their own, and TLS with a
 * certificate the test makes.
 */
class RedisSecurityTest {
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();
  /** What the lock-redis README lists: every command lockkit runs on a standalone server, scripts included. */
  private static final String[] COMMANDS = {"-@all", "+evalsha", "+eval", "+subscribe", "+unsubscribe", "+ping",
      "+wait", "+hello", "+client", "+info", "+set", "+get", "+time", "+pttl", "+pexpire", "+del", "+publish",
      "+hset", "+hdel", "+hgetall"};
  private static final String NAMESPACE = "billing";
  private static final LockOptions IN_NAMESPACE = OPTIONS.toBuilder().namespace(NAMESPACE)
      .leaseTime(Duration.ofSeconds(30)).build();

  @TempDir
  static Path certs;

  private static RedisServer acl;
  private static RedisServer tls;
  private static Path cert;

  @BeforeAll
  static void startServers() throws Exception {
    // alice may touch only lockkit's keys and channels ("resetchannels" first: Redis 6.2 starts users with all
    // channels, after which a channel pattern is refused); "default" needs the password
    // carol and dave are alice and bob limited to the namespace "billing" (the README's example) instead
    List<String> args = new ArrayList<>(List.of("--requirepass", "topsecret",
        "--user", "alice", "on", ">wonderland", "~lockkit:*", "resetchannels", "&lockkit:*", "+@all",
        "--user", "bob", "on", ">builder", "~lockkit:*", "resetchannels", "&lockkit:*"));
    args.addAll(List.of(COMMANDS));
    args.addAll(List.of("--user", "carol", "on", ">sweden", "~billing:*", "resetchannels", "&billing:*", "+@all",
        "--user", "dave", "on", ">hal", "~billing:*", "resetchannels", "&billing:*"));
    args.addAll(List.of(COMMANDS));
    acl = RedisServer.launch(args.toArray(String[]::new));
    cert = certs.resolve("cert.pem");
    Path key = certs.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true)
        .redirectOutput(certs.resolve("openssl.log").toFile()).start();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as(Files.readString(certs.resolve("openssl.log"))).isZero();
    tls = RedisServer.launchTls(cert, key, cert);
  }

  @AfterAll
  static void stopServers() {
    if (acl != null) {
      acl.stop();
    }
    if (tls != null) {
      tls.stop();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void anAclUserWithAccessToLockkitKeysLocksAndWaits(String driver) throws Exception {
    String uri = "redis://alice:wonderland@127.0.0.1:" + acl.port() + "?driver=" + driver;
    exerciseLocking(uri, "acl/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void anAclUserWithOnlyTheCommandsTheReadmeListsLocksAndWaits(String driver) throws Exception {
    String uri = "redis://bob:builder@127.0.0.1:" + acl.port() + "?driver=" + driver;
    exerciseLocking(uri, "narrow/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void anAclUserLimitedToTheClientsNamespaceLocksAndWaits(String driver) throws Exception {
    String uri = "redis://carol:sweden@127.0.0.1:" + acl.port() + "?driver=" + driver;
    exerciseWaitingInNamespace(uri, "namespaced/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void anAclUserLimitedToTheClientsNamespaceAndTheReadmesCommandsLocksAndWaits(String driver) throws Exception {
    String uri = "redis://dave:hal@127.0.0.1:" + acl.port() + "?driver=" + driver;
    exerciseWaitingInNamespace(uri, "namespaced-narrow/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void thePasswordOfTheDefaultUserIsAccepted(String driver) throws Exception {
    exerciseLocking("redis://:topsecret@127.0.0.1:" + acl.port() + "?driver=" + driver, "default/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aWrongPasswordOrNoneIsRefusedAtConnectAndLeavesNoThread(String driver) {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    for (String userInfo : new String[] {"alice:wrong@", ":wrong@", ""}) {
      String uri = "redis://" + userInfo + "127.0.0.1:" + acl.port() + "?driver=" + driver;
      assertThatThrownBy(() -> Locks.connect(uri, OPTIONS).close()).as(userInfo)
          .isInstanceOf(LockBackendException.class).hasMessageContaining("127.0.0.1:" + acl.port())
          .satisfies(e -> {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace)); // causes included
            assertThat(trace.toString()).doesNotContain("wrong").doesNotContain("alice");
          });
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(RedisConnectTest.newClientThreads(before)).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void tlsWithTheGeneratedCertificateWorks(String driver) throws Exception {
    exerciseLocking("rediss://127.0.0.1:" + tls.port() + "?trustPem=" + cert + "&driver=" + driver,
        "tls/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void tlsRefusesACertificateItDoesNotTrust(String driver) {
    String uri = "rediss://127.0.0.1:" + tls.port() + "?driver=" + driver;
    assertThatThrownBy(() -> Locks.connect(uri, OPTIONS).close()).isInstanceOf(LockBackendException.class);
  }

  /**
   * In namespace {@value #NAMESPACE}: a waiter subscribes (the server confirms it) before the holder releases,
   * and is woken by that release within a fraction of the 30 s lease; every key and channel left is in the
   * namespace.
   */
  private static void exerciseWaitingInNamespace(String uri, String name) throws Exception {
    String channel = NAMESPACE + ":{" + name + "}:released";
    try (LockClient a = Locks.connect(uri, IN_NAMESPACE); LockClient b = Locks.connect(uri, IN_NAMESPACE)) {
      Lease held = a.lock(name).acquire(Duration.ofSeconds(5));
      CompletableFuture<Lease> waiting = b.lock(name).acquireAsync(Duration.ofSeconds(20));
      org.awaitility.Awaitility.await("the waiter subscribed").atMost(Duration.ofSeconds(10))
          .until(() -> waiting.isDone() || (Long) ((List<?>) admin("PUBSUB", "NUMSUB", channel)).get(1) == 1L);
      assertThat(waiting).as("still waiting, not failed").isNotDone();
      long token = held.fencingToken();
      held.close();
      try (Lease next = waiting.get(5, TimeUnit.SECONDS)) {
        assertThat(next.fencingToken()).isGreaterThan(token);
        assertThat(next.isValid()).isTrue();
      }
      assertThat((List<?>) admin("KEYS", "*" + name + "*")).isNotEmpty()
          .allSatisfy(key -> assertThat((String) key).startsWith(NAMESPACE + ":"));
    }
  }

  /** A command as the default user, who may do anything. */
  private static Object admin(String... command) {
    try (Resp r = acl.resp()) {
      r.call("AUTH", "topsecret");
      return r.call(command);
    }
  }

  /** Acquire, contend, wake a waiter by the release (pub/sub), renew, release. */
  private static void exerciseLocking(String uri, String name) throws Exception {
    try (LockClient a = Locks.connect(uri, OPTIONS); LockClient b = Locks.connect(uri, OPTIONS)) {
      Lease held = a.lock(name).acquire(Duration.ofSeconds(5));
      assertThat(b.lock(name).tryAcquire()).isEmpty();
      CompletableFuture<Lease> waiting = b.lock(name).acquireAsync(Duration.ofSeconds(20));
      long token = held.fencingToken();
      held.close();
      try (Lease next = waiting.get(20, TimeUnit.SECONDS)) {
        assertThat(next.fencingToken()).isGreaterThan(token);
        assertThat(next.isValid()).isTrue();
      }
    }
  }
}
