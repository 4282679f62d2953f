package dev.lockkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FencedStoreTest {

  @Test
  void aWriteBelowTheHighestAcceptedTokenIsRejected() {
    FencedStore store = FencedStore.fenced();
    assertThat(store.write("a", 5, 1)).isTrue();
    assertThat(store.write("b", 4, 2)).isFalse();
    assertThat(store.write("c", 5, 3)).as("the same token again").isTrue();
    assertThat(store.write("d", 6, 4)).isTrue();
    assertThat(store.value()).isEqualTo(4);
    assertThat(store.accesses()).extracting(FencedStore.Access::accepted).containsExactly(true, false, true, true);
  }

  @Test
  void aReadClaimsTheRowForItsToken() {
    FencedStore store = FencedStore.fenced();
    store.read("old", 1);
    store.read("new", 2);
    assertThat(store.write("old", 1, 1)).isFalse();
    assertThat(store.write("new", 2, 1)).isTrue();
    assertThat(store.fence()).isEqualTo(2);
  }

  @Test
  void anUnfencedStoreAcceptsEverythingButLogsTheFence() {
    FencedStore store = FencedStore.unfenced();
    store.read("new", 9);
    assertThat(store.write("old", 1, 1)).isTrue();
    assertThat(store.accesses().get(1).fenceBefore()).isEqualTo(9);
  }

  @Test
  void concurrentAccessesAreLoggedInOrder() throws Exception {
    FencedStore store = FencedStore.fenced();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      threads.add(new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 1000; i++) {
          store.write("t" + id, i, i);
        }
      }));
    }
    threads.forEach(Thread::start);
    go.countDown();
    for (Thread t : threads) {
      t.join(10_000);
    }
    List<FencedStore.Access> log = store.accesses();
    assertThat(log).hasSize(4000);
    for (int i = 0; i < log.size(); i++) {
      assertThat(log.get(i).seq()).isEqualTo(i);
      if (i > 0) {
        assertThat(log.get(i).atNanos() - log.get(i - 1).atNanos()).isNotNegative();
      }
    }
  }
}
