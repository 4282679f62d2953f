package dev.lockkit.zookeeper;

import dev.lockkit.LockBackendException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * ACLs for a client that authenticates with a digest {@code user:secret}: that identity may do everything
 * with the nodes it creates (so only it can delete lock nodes and their parents), everyone else may read.
 */
final class DigestAcls implements ACLProvider {
  private final List<ACL> acl;

  DigestAcls(String userAndSecret) {
    // not List.of: ZooKeeper's validateACL asks contains(null), which immutable lists answer with an NPE
    this.acl = Collections.unmodifiableList(new ArrayList<>(Arrays.asList(
        new ACL(ZooDefs.Perms.ALL, new Id("digest", digest(userAndSecret))),
        new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")))));
  }

  /**
   * The id ZooKeeper's digest scheme gives {@code user:secret}: {@code user:base64(sha1(user:secret))}. Computed
   * here rather than by the server's {@code DigestAuthenticationProvider}, which is a server class.
   */
  static String digest(String userAndSecret) {
    String user = userAndSecret.substring(0, userAndSecret.indexOf(':'));
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA1").digest(userAndSecret.getBytes(StandardCharsets.UTF_8));
      return user + ":" + Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new LockBackendException("this JVM cannot compute ZooKeeper's digest (SHA-1) for ACLs", e);
    }
  }

  @Override
  public List<ACL> getDefaultAcl() {
    return acl;
  }

  @Override
  public List<ACL> getAclForPath(String path) {
    return acl;
  }
}
