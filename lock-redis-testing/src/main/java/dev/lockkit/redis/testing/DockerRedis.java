package dev.lockkit.redis.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' {@code redis:7}, where a Docker engine answers: the contract runs then test the server
 * version users run in containers. Where none answers (no socket, no {@code DOCKER_HOST}), nothing is
 * probed beyond that cheap check and the local-process fixtures serve instead. Tests that stop, pause or
 * restart the server always use local processes, which they control by pid.
 */
public final class DockerRedis {
  private static final Logger log = LoggerFactory.getLogger(DockerRedis.class);
  private static GenericContainer<?> container;
  private static boolean tried;

  private DockerRedis() {}

  /** The URI of a shared {@code redis:7} container, or empty where no Docker engine answers. */
  public static synchronized Optional<String> uri() {
    if (!tried) {
      tried = true;
      if (engineMayAnswer() && DockerClientFactory.instance().isDockerAvailable()) {
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse("redis:7")).withExposedPorts(6379);
        redis.start();
        container = redis;
        log.info("Redis tests use the redis:7 container at {}:{}", redis.getHost(), redis.getMappedPort(6379));
      } else {
        log.info("No Docker engine answers: Redis tests use local redis-server processes");
      }
    }
    return container == null ? Optional.empty()
        : Optional.of("redis://" + container.getHost() + ":" + container.getMappedPort(6379));
  }

  /** A cheap look before Testcontainers' own probing, which takes seconds where there is nothing to find. */
  private static boolean engineMayAnswer() {
    String host = System.getenv("DOCKER_HOST");
    return (host != null && !host.isBlank()) || Files.exists(Path.of("/var/run/docker.sock"));
  }
}
