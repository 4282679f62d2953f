package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.junit.jupiter.api.Test;

/** When a create alone may win: the bookkeeping of {@link QuietParents}, event by event. */
class QuietParentsTest {
  private static final String LOCK = "/lockkit/job";
  private final QuietParents quiet = new QuietParents();

  @Test
  void aLockReleasedOnceIsOnlyRemembered() {
    assertThat(quiet.toWatch(LOCK)).isNull();
    quiet.released(LOCK, 7);
    assertThat(quiet.claim(LOCK)).isNull();
  }

  @Test
  void underAnArmedWatchTheNextCreateWinsWithTheNextNumberOnly() {
    armed();
    quiet.released(LOCK, 7);
    QuietParents.Claim claim = quiet.claim(LOCK);
    assertThat(claim).isNotNull();
    assertThat(claim.wins(9)).isFalse();
    assertThat(claim.wins(8)).isTrue();
    assertThat(quiet.claim(LOCK)).as("a claim is taken once").isNull();
  }

  @Test
  void aNameThatIsNotALockNodeArmsNothing() {
    armed();
    quiet.released(LOCK, LockNodes.sequence("lock-x"));
    assertThat(quiet.claim(LOCK)).isNull();
  }

  @Test
  void anEventBetweenTheWatchingReadAndItsAnswerLeavesTheWatchDisarmed() {
    assertThat(quiet.toWatch(LOCK)).isNull();
    QuietParents.Parent parent = quiet.toWatch(LOCK);
    assertThat(parent).isNotNull();
    int events = parent.events();
    parent.process(new WatchedEvent(EventType.None, KeeperState.Disconnected, null));
    parent.confirmed(events);
    quiet.released(LOCK, 7);
    assertThat(quiet.claim(LOCK)).isNull();
    assertThat(quiet.toWatch(LOCK)).as("to be armed again by the next release").isSameAs(parent);
  }

  @Test
  void aClaimDiesWithTheArmingItWasMadeUnderEvenIfAnotherReleaseArmsAgain() {
    QuietParents.Parent parent = armed();
    quiet.released(LOCK, 7);
    QuietParents.Claim claim = quiet.claim(LOCK);
    assertThat(claim).isNotNull();
    parent.process(new WatchedEvent(EventType.None, KeeperState.Expired, null));
    assertThat(quiet.toWatch(LOCK)).isSameAs(parent);
    parent.confirmed(parent.events()); // a later release's watching read, in what may be a re-created parent
    assertThat(parent.armed()).isTrue();
    assertThat(claim.wins(8)).isFalse();
  }

  @Test
  void aDeletedParentIsForgottenAndAWatchOnItsSuccessorIsANewOne() {
    QuietParents.Parent parent = armed();
    quiet.released(LOCK, 7);
    parent.process(new WatchedEvent(EventType.NodeDeleted, KeeperState.SyncConnected, LOCK));
    assertThat(quiet.claim(LOCK)).isNull();
    QuietParents.Parent next = quiet.toWatch(LOCK);
    assertThat(next).isNotNull().isNotSameAs(parent);
  }

  @Test
  void aFailedWatchingReadArmsNothing() {
    assertThat(quiet.toWatch(LOCK)).isNull();
    QuietParents.Parent parent = quiet.toWatch(LOCK);
    assertThat(parent).isNotNull();
    parent.failed();
    quiet.released(LOCK, 7);
    assertThat(quiet.claim(LOCK)).isNull();
  }

  /** The second release of the lock sets the watch; its read is answered with no event in between. */
  private QuietParents.Parent armed() {
    assertThat(quiet.toWatch(LOCK)).isNull();
    QuietParents.Parent parent = quiet.toWatch(LOCK);
    assertThat(parent).isNotNull();
    parent.confirmed(parent.events());
    assertThat(quiet.toWatch(LOCK)).as("armed: nothing more to set").isNull();
    return parent;
  }
}
