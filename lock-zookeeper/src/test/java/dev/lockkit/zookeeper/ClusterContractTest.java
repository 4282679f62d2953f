package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.contract.LockContractTest;
import java.util.List;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/** The whole contract suite, unchanged, on a real 3-server ensemble (quorum writes, followers, a leader). */
class ClusterContractTest extends LockContractTest {
  private static TestingCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new TestingCluster(3);
    cluster.start();
    assertThat(cluster.getServers()).hasSize(3);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected LockClient newClient(LockOptions options) {
    return ZkFixtures.connect(cluster.getConnectString(), "/contract-cluster", options);
  }

  @Override
  protected boolean isServerThread(Thread thread) {
    return ZkFixtures.isServerThread(thread);
  }

  /**
   * Cohorting on only: it is client-side, so the off run adds nothing here that the standalone run of the
   * same driver does not already show, and the build's time stays in bounds.
   */
  protected static List<Arguments> cohortingModes() {
    return List.of(Arguments.argumentSet("cohorting on", true));
  }
}
