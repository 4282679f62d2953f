package dev.lockkit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.SharedServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two instances of the example application against one real Redis and one database, as two nodes of a service
 * would run: the scheduled job runs once per tick across both, and deposits through both instances' HTTP
 * endpoints are all applied, none lost to a concurrent read-modify-write.
 */
class TwoInstancesTest {
  private final List<ConfigurableApplicationContext> instances = new ArrayList<>();
  private final String database = "jdbc:h2:mem:example-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

  @BeforeEach
  void startTwoInstances() {
    RedisServer redis = SharedServers.standalone();
    for (String name : List.of("a", "b")) {
      // command-line arguments: they override application.properties, as they would on a real deployment
      instances.add(new SpringApplicationBuilder(ExampleApplication.class).run(
          "--server.port=0",
          "--lockkit.uri=" + redis.uri(),
          "--lockkit.namespace=example-" + Integer.toHexString(database.hashCode()),
          "--spring.datasource.url=" + database,
          "--example.instance=" + name));
    }
  }

  @AfterEach
  void stopInstances() {
    instances.forEach(ConfigurableApplicationContext::close);
  }

  @Test
  void theScheduledJobRunsOncePerTickAcrossBothInstances() {
    JdbcTemplate jdbc = instances.get(0).getBean(JdbcTemplate.class);
    // both instances fire every second: wait until 6 ticks have been recorded
    await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
        "SELECT COUNT(DISTINCT tick) FROM report_run", Long.class) >= 6);
    List<Map<String, Object>> twice = jdbc.queryForList(
        "SELECT tick, COUNT(*) AS runs FROM report_run GROUP BY tick HAVING COUNT(*) > 1");
    assertThat(twice).as("ticks that ran on more than one instance").isEmpty();
    // and no tick between the first and the last was skipped by both (the minimum hold is shorter than the period)
    long first = jdbc.queryForObject("SELECT MIN(tick) FROM report_run", Long.class);
    long last = jdbc.queryForObject("SELECT MAX(tick) FROM report_run", Long.class);
    assertThat(jdbc.queryForObject("SELECT COUNT(DISTINCT tick) FROM report_run", Long.class))
        .as("ticks run from %s to %s", first, last).isEqualTo(last - first + 1);
    List<Long> fences = jdbc.queryForList("SELECT fence FROM report_run ORDER BY tick", Long.class);
    assertThat(fences).as("each run's fencing token is larger than the one before").isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  void depositsThroughBothInstancesAreAllApplied() throws Exception {
    JdbcTemplate jdbc = instances.get(0).getBean(JdbcTemplate.class);
    jdbc.update("INSERT INTO account (id, balance, fence) VALUES (7, 0, 0)");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Integer> ports = instances.stream()
        .map(c -> Integer.parseInt(c.getEnvironment().getProperty("local.server.port"))).toList();
    int deposits = 40;
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < deposits; i++) {
        int port = ports.get(i % 2);
        statuses.add(callers.submit(() -> http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/accounts/7/deposits?amount=1"))
            .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode()));
      }
      for (Future<Integer> status : statuses) {
        assertThat(status.get(30, TimeUnit.SECONDS)).isEqualTo(200);
      }
    } finally {
      callers.shutdownNow();
    }
    Map<String, Object> account = jdbc.queryForMap("SELECT balance, fence FROM account WHERE id = 7");
    assertThat(((Number) account.get("BALANCE")).longValue()).isEqualTo(deposits);
    assertThat(((Number) account.get("FENCE")).longValue()).isPositive();
  }

  @Test
  void aDepositWhoseTokenIsOlderThanTheLastWriteIsRefused() throws Exception {
    JdbcTemplate jdbc = instances.get(0).getBean(JdbcTemplate.class);
    // the last write came from a holder with a larger token than this lock will issue next: as if the lock had
    // been lost and taken over while this request's holder paused
    jdbc.update("INSERT INTO account (id, balance, fence) VALUES (8, 100, ?)", Long.MAX_VALUE);
    int port = Integer.parseInt(instances.get(1).getEnvironment().getProperty("local.server.port"));
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://localhost:" + port + "/accounts/8/deposits?amount=5"))
        .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(409);
    assertThat(response.body()).contains("not applied");
    assertThat(jdbc.queryForObject("SELECT balance FROM account WHERE id = 8", Long.class)).isEqualTo(100L);
  }
}
