package dev.lockkit.redis.internal;

import java.util.List;

/**
 * What {@link RedisDriver#evalAndWait} answers.
 *
 * @param reply the script's reply
 * @param acked the count of replicas that acknowledged the connection's writes, the script's among them; -1 when
 *     no {@code WAIT} was sent
 */
record ReplicatedReply(List<Long> reply, long acked) {
  ReplicatedReply {
    reply = List.copyOf(reply);
  }
}
