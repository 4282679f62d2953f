/**
 * The backend-neutral half of the fault-injection suite, shipped in lock-api's test-jar so that every
 * backend's tests put their own faults into one workload, one checker and one report.
 *
 * <ul>
 *   <li>{@link dev.lockkit.faults.FencedStore}: the shared resource; rejects writes below its fence.
 *   <li>{@link dev.lockkit.faults.Workload}: K clients x T threads take one lock and read-modify-write the
 *       store with their token, for a fixed duration; in this JVM, or in child JVMs
 *       ({@link dev.lockkit.faults.WorkloadMain}, {@link dev.lockkit.faults.ChildJvm}) reporting to a
 *       {@link dev.lockkit.faults.RecordingServer}.
 *   <li>Faults: {@link dev.lockkit.faults.ClientStall} (a client of this JVM frozen past its lease),
 *       {@link dev.lockkit.faults.ChildJvm#freeze} ({@code SIGSTOP} of a child process),
 *       {@link dev.lockkit.faults.TcpProxy} (delay, blackhole, reset between client and server); server
 *       faults (kill, stop, restart) are the backend's own.
 *   <li>{@link dev.lockkit.faults.Checker} reads the {@link dev.lockkit.faults.Recording} into a
 *       {@link dev.lockkit.faults.FaultReport}; {@link dev.lockkit.faults.FaultTable} logs it and appends
 *       it to {@code target/fault-report.md}.
 * </ul>
 *
 * <p>A backend's fault test, in outline:
 *
 * <pre>{@code
 * Recording recording = Recording.fenced();
 * Workload workload = Workload.builder().clients(clients).lockName("faults/counter")
 *     .duration(FaultSuite.pick(Duration.ofSeconds(5), Duration.ofSeconds(60))).recording(recording).build();
 * try (Workload.Run run = workload.start()) {
 *   await().until(() -> recording.acquisitions() > 10);
 *   // the fault: proxy.blackhole(), server.stop(), run.stall(0).arm(lease.multipliedBy(2)), ...
 *   // record what it froze: recording.pause(new Pause("p0/c0/", start, end))
 *   run.await(run.bound());
 * }
 * clients.forEach(LockClient::close);
 * FaultReport report = Checker.check("redis", "server stopped 2x lease", recording, FaultSuite.GRACE,
 *     probe.leftovers());
 * FaultTable.add(report);
 * assertThat(report.safe()).as("%s", report).isTrue();
 * }</pre>
 *
 * <p>The full runs need {@code -Dlockkit.faults.long=true} ({@link dev.lockkit.faults.FaultSuite}); the build's
 * own runs are a few seconds each.
 */
@NullMarked
package dev.lockkit.faults;

import org.jspecify.annotations.NullMarked;
