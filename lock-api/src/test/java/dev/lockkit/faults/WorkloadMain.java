package dev.lockkit.faults;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A child process of a fault run: connects its clients with {@link Locks#connect(String, LockOptions)}, runs
 * the {@link Workload} with holder prefix {@code <prefix>}, reports every access and attempt to the parent's
 * {@link RecordingServer}, closes its clients and exits: 0 if the workload ran to its end, 1 otherwise.
 * Started by {@link ChildJvm#startWorkload}; its arguments are {@link Settings#toArgs()}.
 */
public final class WorkloadMain {
  private WorkloadMain() {}

  /**
   * What a child runs.
   *
   * @param prefix the holder prefix of its threads, such as {@code p1}
   * @param uri the lock server's URI
   * @param lockName the lock
   * @param clients how many clients
   * @param threads threads per client
   * @param duration how long to run
   * @param maxWait the wait of each acquisition
   * @param leaseTime the clients' lease time
   * @param commandTimeout the clients' command timeout
   * @param namespace the clients' namespace
   */
  public record Settings(String prefix, String uri, String lockName, int clients, int threads, Duration duration,
      Duration maxWait, Duration leaseTime, Duration commandTimeout, String namespace) {

    /**
     * The holder prefix that names every thread of this child, for a {@link Pause}.
     *
     * @return {@code <prefix>/}
     */
    public String holderPrefix() {
      return prefix + "/";
    }

    /**
     * The child's arguments.
     *
     * @param store where the recording server listens
     * @return {@code key=value} arguments
     */
    public List<String> toArgs(InetSocketAddress store) {
      return List.of("store=" + store.getHostString() + ":" + store.getPort(), "prefix=" + prefix, "uri=" + uri,
          "lock=" + lockName, "clients=" + clients, "threads=" + threads, "durationMs=" + duration.toMillis(),
          "maxWaitMs=" + maxWait.toMillis(), "leaseMs=" + leaseTime.toMillis(),
          "commandTimeoutMs=" + commandTimeout.toMillis(), "namespace=" + namespace);
    }

    /**
     * The lock options every client of the child uses.
     *
     * @return the options
     */
    public LockOptions options() {
      return LockOptions.builder().leaseTime(leaseTime).commandTimeout(commandTimeout).namespace(namespace)
          .build();
    }
  }

  /**
   * Runs the child.
   *
   * @param args {@code key=value} arguments, see {@link Settings#toArgs}
   */
  public static void main(String[] args) {
    Map<String, String> a = new LinkedHashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String[] store = a.get("store").split(":");
    InetSocketAddress address = new InetSocketAddress(store[0], Integer.parseInt(store[1]));
    Settings s = new Settings(a.get("prefix"), a.get("uri"), a.get("lock"), Integer.parseInt(a.get("clients")),
        Integer.parseInt(a.get("threads")), Duration.ofMillis(Long.parseLong(a.get("durationMs"))),
        Duration.ofMillis(Long.parseLong(a.get("maxWaitMs"))), Duration.ofMillis(Long.parseLong(a.get("leaseMs"))),
        Duration.ofMillis(Long.parseLong(a.get("commandTimeoutMs"))), a.get("namespace"));
    int exit = 1;
    List<LockClient> clients = new ArrayList<>();
    try {
      // fail early if the parent cannot be reached or reads another clock
      RemoteLink.connect(address).close();
      for (int i = 0; i < s.clients(); i++) {
        clients.add(Locks.connect(s.uri(), s.options()));
      }
      Workload workload = Workload.builder().clients(clients).lockName(s.lockName()).threadsPerClient(s.threads())
          .duration(s.duration()).maxWait(s.maxWait()).holderPrefix(s.prefix())
          .links(() -> RemoteLink.connect(address)).build();
      System.out.println("workload " + s.prefix() + " started");
      try (Workload.Run run = workload.start()) {
        boolean ended = run.await(run.bound());
        exit = ended && run.failures().isEmpty() ? 0 : 1;
        System.out.println("workload " + s.prefix() + (ended ? " ended" : " did not end") + ", failures: "
            + run.failures());
      }
    } catch (Exception e) {
      e.printStackTrace(); // exit 1 below; a driver's non-daemon threads must not keep the child alive
    } finally {
      for (LockClient client : clients) {
        try {
          client.close();
        } catch (RuntimeException e) {
          e.printStackTrace();
        }
      }
    }
    System.exit(exit);
  }
}
