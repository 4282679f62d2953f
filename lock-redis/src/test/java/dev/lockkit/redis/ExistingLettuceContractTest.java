package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.redis.testing.SharedServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The whole contract, unchanged, with lock clients on one Lettuce {@link RedisClient} of the application's, on a
 * standalone server: each lock client opens connections of its own through it, and closes only those.
 */
class ExistingLettuceContractTest extends LockContractTest {
  /** Prefix of the application's Lettuce threads, which lockkit neither starts nor stops. */
  static final String APP_THREADS = "app-lettuce-";

  private static ClientResources resources;
  private static RedisClient client;

  @BeforeAll
  static void createClient() {
    resources = DefaultClientResources.builder()
        .threadFactoryProvider(pool -> new DefaultThreadFactory(APP_THREADS + pool, true)).build();
    client = RedisClient.create(resources, SharedServers.standalone().uri());
  }

  @AfterAll
  static void shutDownClient() {
    if (client != null) {
      client.shutdown();
    }
    if (resources != null) {
      resources.shutdown();
    }
  }

  @Override
  protected LockClient newClient(LockOptions options) {
    return RedisLocks.onLettuce(client, options);
  }

  /** The application's threads are not lockkit's: they start with its connections and outlive its clients. */
  @Override
  protected boolean isServerThread(Thread thread) {
    return thread.getName().startsWith(APP_THREADS);
  }

  /**
   * Cohorting on only: cohorting is client-side, so the off run adds nothing here that the URI-built client's
   * run of the same driver does not already show, and the build's time stays in bounds.
   */
  protected static List<Arguments> cohortingModes() {
    return List.of(Arguments.argumentSet("cohorting on", true));
  }
}
