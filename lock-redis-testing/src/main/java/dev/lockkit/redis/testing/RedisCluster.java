package dev.lockkit.redis.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Redis Cluster of masters, each a {@link RedisServer} process: slots split evenly with
 * {@code CLUSTER ADDSLOTS}, nodes joined with {@code CLUSTER MEET}, ready once every node reports
 * {@code cluster_state:ok} and knows every other node. Optionally each master has one replica
 * ({@code CLUSTER REPLICATE}); {@link #nodes()} are the masters either way.
 */
public final class RedisCluster implements AutoCloseable {
  private static final int SLOTS = 16384;
  private final List<RedisServer> nodes;
  private final List<RedisServer> replicas;

  private RedisCluster(List<RedisServer> nodes, List<RedisServer> replicas) {
    this.nodes = nodes;
    this.replicas = replicas;
  }

  /** Starts {@code masters} nodes (at least 3) and forms the cluster. */
  public static RedisCluster launch(int masters) {
    return launch(masters, false);
  }

  /**
   * Starts {@code masters} nodes (at least 3), each with one replica, and forms the cluster; ready once every
   * master reports its replica online.
   */
  public static RedisCluster launchWithReplicas(int masters) {
    return launch(masters, true);
  }

  private static RedisCluster launch(int masters, boolean withReplicas) {
    List<RedisServer> nodes = new ArrayList<>();
    List<RedisServer> replicas = new ArrayList<>();
    try {
      for (int i = 0; i < masters; i++) {
        nodes.add(clusterNode());
      }
      for (int i = 0; withReplicas && i < masters; i++) {
        replicas.add(clusterNode());
      }
      for (int i = 0; i < masters; i++) {
        try (Resp r = nodes.get(i).resp()) {
          r.call("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
          List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
          for (int s = i * SLOTS / masters; s < (i + 1) * SLOTS / masters; s++) {
            args.add(Integer.toString(s));
          }
          r.call(args.toArray(String[]::new));
        }
      }
      try (Resp first = nodes.get(0).resp()) {
        for (int i = 1; i < masters; i++) {
          first.call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()));
        }
        for (RedisServer replica : replicas) {
          first.call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(replica.port()));
        }
      }
      RedisCluster cluster = new RedisCluster(nodes, replicas);
      cluster.awaitReady();
      for (int i = 0; i < replicas.size(); i++) {
        String master;
        try (Resp r = nodes.get(i).resp()) {
          master = r.string("CLUSTER", "MYID");
        }
        try (Resp r = replicas.get(i).resp()) {
          r.call("CLUSTER", "REPLICATE", master);
        }
      }
      for (int i = 0; i < replicas.size(); i++) {
        nodes.get(i).awaitReplicasOnline(1);
      }
      return cluster;
    } catch (RuntimeException | Error e) {
      nodes.forEach(RedisServer::stop);
      replicas.forEach(RedisServer::stop);
      throw e;
    }
  }

  private static RedisServer clusterNode() {
    return RedisServer.launch("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", "5000");
  }

  /** Waits until every node says the cluster is ok and knows all nodes. */
  public void awaitReady() {
    Awaitility.await("cluster ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> Stream.concat(nodes.stream(), replicas.stream()).allMatch(n -> {
          try (Resp r = n.resp()) {
            String info = r.string("CLUSTER", "INFO");
            return info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384")
                && info.contains("cluster_known_nodes:" + (nodes.size() + replicas.size()));
          }
        }));
  }

  /** The nodes. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** The replica of {@code master}, one of {@link #nodes()}, in a cluster {@link #launchWithReplicas launched} so. */
  public RedisServer replicaOf(RedisServer master) {
    int i = nodes.indexOf(master);
    if (i < 0 || i >= replicas.size()) {
      throw new IllegalArgumentException(master + " is no master of this cluster or has no replica");
    }
    return replicas.get(i);
  }

  /** A {@code redis-cluster://} URI naming every node as a seed. */
  public String uri() {
    return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** The node that serves the slot of {@code key}. */
  public RedisServer nodeOf(String key) {
    long slot;
    try (Resp r = nodes.get(0).resp()) {
      slot = (Long) r.call("CLUSTER", "KEYSLOT", key);
    }
    int m = nodes.size();
    for (int i = m - 1; i >= 0; i--) {
      if (slot >= (long) i * SLOTS / m) {
        return nodes.get(i);
      }
    }
    return nodes.get(0);
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::stop);
    replicas.forEach(RedisServer::stop);
  }
}
