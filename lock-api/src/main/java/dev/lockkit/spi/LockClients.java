package dev.lockkit.spi;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.internal.CoreLockClient;
import java.util.function.Function;

/** Builds the lockkit client around a backend; what a {@link LockProvider} returns from connect. */
public final class LockClients {
  private LockClients() {}

  /**
   * Creates a client that keeps all of lockkit's client-side semantics and asks {@code backend} for the
   * server's side. If the factory throws, the client's threads are stopped and the exception propagates.
   *
   * @param options the client's options
   * @param backend makes the backend, given the client's context
   * @return the client
   */
  public static LockClient create(LockOptions options, Function<BackendContext, LockBackend> backend) {
    Checks.notNull(options, "options");
    Checks.notNull(backend, "backend");
    return CoreLockClient.open(options, backend);
  }

  /**
   * Stops a client the way a crashed process stops: renewals stop and connections close, but nothing is
   * released, so its locks are freed only by the server (lease expiry, session end). Its leases are not
   * reported lost. For tests of what other clients see when a holder dies.
   *
   * @param client a client created by {@link #create}
   * @throws IllegalArgumentException if the client was not created by {@link #create}
   */
  public static void crash(LockClient client) {
    Checks.argument(client instanceof CoreLockClient,
        "client must be created by LockClients.create, was %s", client == null ? null : client.getClass());
    ((CoreLockClient) client).crash();
  }
}
