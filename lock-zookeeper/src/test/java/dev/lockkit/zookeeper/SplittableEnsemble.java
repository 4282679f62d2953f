package dev.lockkit.zookeeper;

import static org.awaitility.Awaitility.await;

import dev.lockkit.faults.TcpProxy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.client.FourLetterWordMain;

/**
 * A 3-server in-process ensemble in which a server can be cut off from the others while it goes on serving its
 * clients, as a follower behind a network partition does until it gives up on its leader. Each server reaches
 * the others' quorum ports through a {@link TcpProxy} of its own (its configuration names the proxies), so
 * blackholing one server's proxies cuts its link to the leader and nothing else. Election ports are direct.
 *
 * <p>A follower gives up on a silent leader after {@code syncLimit} ticks ({@link #FOLLOWER_GIVES_UP}); the
 * leader expires the sessions of its clients after their session timeout, which may be far shorter: in between,
 * the cut-off follower answers reads from a state the quorum has left behind.
 */
final class SplittableEnsemble implements AutoCloseable {
  static final int TICK_MS = 500;
  static final int SYNC_LIMIT = 30;
  /** How long a cut-off follower keeps serving its clients. */
  static final Duration FOLLOWER_GIVES_UP = Duration.ofMillis((long) TICK_MS * SYNC_LIMIT);

  private final List<InstanceSpec> specs;
  /** Per server id: the proxies through which it reaches the other servers' quorum ports. */
  private final Map<Integer, List<TcpProxy>> outbound;
  private final TestingCluster cluster;

  private SplittableEnsemble(List<InstanceSpec> specs, Map<Integer, List<TcpProxy>> outbound,
      TestingCluster cluster) {
    this.specs = specs;
    this.outbound = outbound;
    this.cluster = cluster;
  }

  /** Starts the ensemble and waits until it has a leader and every server serves. */
  static SplittableEnsemble start() throws Exception {
    Map<String, Object> properties = Map.of("syncLimit", String.valueOf(SYNC_LIMIT), "initLimit", "20");
    List<InstanceSpec> specs = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      InstanceSpec random = InstanceSpec.newInstanceSpec();
      specs.add(new InstanceSpec(null, random.getPort(), random.getElectionPort(), random.getQuorumPort(), true, id,
          TICK_MS, -1, properties, "127.0.0.1"));
    }
    Map<Integer, List<TcpProxy>> outbound = new HashMap<>();
    Map<InstanceSpec, java.util.Collection<InstanceSpec>> views = new LinkedHashMap<>();
    try {
      for (InstanceSpec self : specs) {
        List<InstanceSpec> view = new ArrayList<>();
        List<TcpProxy> proxies = new ArrayList<>();
        for (InstanceSpec peer : specs) {
          if (peer == self) {
            view.add(self);
            continue;
          }
          TcpProxy proxy = TcpProxy.start(peer.getQuorumPort());
          proxies.add(proxy);
          // the same server (equal by host and client port), reached through the proxy; its data directory is
          // the real spec's, never deleted through this copy
          view.add(new InstanceSpec(peer.getDataDirectory(), peer.getPort(), peer.getElectionPort(), proxy.port(),
              false, peer.getServerId(), TICK_MS, -1, properties, "127.0.0.1"));
        }
        outbound.put(self.getServerId(), proxies);
        views.put(self, view);
      }
    } catch (IOException | RuntimeException e) {
      outbound.values().forEach(list -> list.forEach(TcpProxy::close));
      throw e;
    }
    TestingCluster cluster = new TestingCluster(views);
    SplittableEnsemble ensemble = new SplittableEnsemble(specs, outbound, cluster);
    try {
      cluster.start();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> specs.stream().allMatch(s -> mode(s).isPresent()) && ensemble.leader().isPresent());
    } catch (Exception | AssertionError e) {
      ensemble.close();
      throw e;
    }
    return ensemble;
  }

  List<InstanceSpec> servers() {
    return specs;
  }

  Optional<InstanceSpec> leader() {
    return specs.stream().filter(s -> mode(s).filter("leader"::equals).isPresent()).findFirst();
  }

  /** A server that follows the leader. */
  InstanceSpec follower() {
    return specs.stream().filter(s -> mode(s).filter("follower"::equals).isPresent()).findFirst()
        .orElseThrow(() -> new IllegalStateException("no follower"));
  }

  /** The connect string of these servers only. */
  static String connectString(List<InstanceSpec> servers) {
    return servers.stream().map(s -> "127.0.0.1:" + s.getPort()).collect(Collectors.joining(","));
  }

  /** The connect string of every server but {@code excluded}. */
  String connectStringWithout(InstanceSpec excluded) {
    return connectString(specs.stream().filter(s -> !s.equals(excluded)).toList());
  }

  /** Cuts {@code server} off from the other servers: what it sends them, and what they answer, is held. */
  void isolate(InstanceSpec server) {
    outbound.get(server.getServerId()).forEach(TcpProxy::blackhole);
  }

  /** Ends {@link #isolate}. */
  void heal(InstanceSpec server) {
    outbound.get(server.getServerId()).forEach(TcpProxy::pass);
  }

  /** The server's mode from the {@code srvr} four-letter word, empty while it does not serve. */
  static Optional<String> mode(InstanceSpec spec) {
    try {
      String answer = FourLetterWordMain.send4LetterWord("127.0.0.1", spec.getPort(), "srvr", false, 2000);
      return answer.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).trim()).findFirst();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** The last transaction id the server has applied, from {@code srvr}; -1 while it does not serve. */
  static long zxid(InstanceSpec spec) {
    try {
      String answer = FourLetterWordMain.send4LetterWord("127.0.0.1", spec.getPort(), "srvr", false, 2000);
      return answer.lines().filter(l -> l.startsWith("Zxid: ")).map(l -> Long.decode(l.substring(6).trim()))
          .findFirst().orElse(-1L);
    } catch (Exception e) {
      return -1;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      cluster.close();
    } finally {
      outbound.values().forEach(list -> list.forEach(TcpProxy::close));
    }
  }
}
