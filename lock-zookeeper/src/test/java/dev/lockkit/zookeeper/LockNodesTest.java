package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** How lock names become ZooKeeper paths: the encoded forms are part of the on-server layout. */
class LockNodesTest {
  private static final String GUID = "0f8fad5b-d9cb-469f-a165-70867728950e";

  @Test
  void anOrdinaryNameIsItsOwnPath() {
    assertThat(LockNodes.encode("orders/42")).isEqualTo("orders/42");
    assertThat(LockNodes.encode("payments/lock-42")).isEqualTo("payments/lock-42");
    assertThat(LockNodes.encode("a/lock-000000000")).as("nine digits").isEqualTo("a/lock-000000000");
    assertThat(LockNodes.encode("a/lock-0000000000x")).isEqualTo("a/lock-0000000000x");
    assertThat(LockNodes.encode("a/xlock-0000000000")).isEqualTo("a/xlock-0000000000");
  }

  @Test
  void aSegmentShapedLikeALockNodeHasItsFirstCharacterEscaped() {
    assertThat(LockNodes.encode("a/lock-0000000000")).isEqualTo("a/%00006Cock-0000000000");
    assertThat(LockNodes.encode("a/lock--000000001")).as("a wrapped sequence").isEqualTo("a/%00006Cock--000000001");
    assertThat(LockNodes.encode("a/_c_" + GUID + "-lock-0000000007/b"))
        .isEqualTo("a/%00005Fc_" + GUID + "-lock-0000000007/b");
    assertThat(LockNodes.encode("lock-0000000001/lock-0000000002"))
        .isEqualTo("%00006Cock-0000000001/%00006Cock-0000000002");
  }

  @Test
  void aLetterOutsideTheBasicPlaneIsWrittenAsItsCodePoint() {
    assertThat(LockNodes.encode("jobs/\uD835\uDD18")).isEqualTo("jobs/%01D518");
    assertThat(LockNodes.encode("a/lock-0000000000\uD835\uDD18")).isEqualTo("a/lock-0000000000%01D518");
  }

  @Test
  void aQueueIsInSequenceOrderUntilTheServersCounterIsUsedUp() {
    List<LockNodes.Node> queue = LockNodes.queue(List.of("lock-0000000041", "b", "_c_" + GUID + "-lock-0000000007",
        "lock-9999999999", "lock-000000001", "lock-2147483646"));
    assertThat(queue).extracting(LockNodes.Node::name)
        .containsExactly("_c_" + GUID + "-lock-0000000007", "lock-0000000041", "lock-2147483646");
    assertThat(LockNodes.exhausted(queue)).isFalse();

    // the counter stays at 2147483647 once there (creates get it again), pipelined creates get negative ones
    for (String used : List.of("lock-2147483647", "lock--2147483648", "lock--000000001")) {
      assertThat(LockNodes.exhausted(LockNodes.queue(List.of("lock-2147483646", used)))).as(used).isTrue();
    }
  }

  @Test
  void aSequenceIsReadAsTheServerWroteIt() {
    assertThat(LockNodes.sequence("lock-0000000042")).isEqualTo(42);
    assertThat(LockNodes.sequence("lock--2147483648")).isEqualTo(Integer.MIN_VALUE);
    assertThat(LockNodes.sequence("_c_" + GUID + "-lock--000000001")).isEqualTo(-1);
    assertThat(LockNodes.sequence("lock-9999999999")).as("not an int").isEqualTo(LockNodes.NOT_A_NODE);
    assertThat(LockNodes.sequence("lock-42")).isEqualTo(LockNodes.NOT_A_NODE);
    assertThat(LockNodes.sequence("a")).isEqualTo(LockNodes.NOT_A_NODE);
  }

  @Test
  void theHandParserAgreesWithThePatternOfALockNodeName() {
    // the shape as a regular expression, the specification the parser in LockNodes must match
    Pattern shape = Pattern.compile("(?:_c_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
        + "-[0-9a-fA-F]{12}-)?lock-(\\d{10}|-\\d{9,10})");
    String[] protections = {"", "", "_c_" + GUID + "-", "_c_" + GUID.toUpperCase(Locale.ROOT) + "-",
        "_c_" + GUID.replace('f', 'g') + "-", "_c_" + GUID.substring(1) + "-", "_c_" + GUID, "_c_" + GUID + "x-",
        "_c_-"};
    String[] prefixes = {"lock-", "lock-", "lock", "xlock-", "lock-lock-", "Lock-", ""};
    Random random = new Random(42);
    int plain = 0;
    int protectedNames = 0;
    int wrapped = 0;
    for (int n = 0; n < 200_000; n++) {
      StringBuilder name = new StringBuilder(protections[random.nextInt(protections.length)])
          .append(prefixes[random.nextInt(prefixes.length)]);
      if (random.nextInt(3) == 0) {
        name.append('-');
      }
      for (int k = 8 + random.nextInt(5); k > 0; k--) { // 8 to 12 digits
        name.append((char) ('0' + (random.nextInt(4) == 0 ? 9 : random.nextInt(3))));
      }
      if (random.nextInt(10) == 0) {
        name.append(random.nextBoolean() ? "x" : ":");
      }
      String s = name.toString();
      Matcher m = shape.matcher(s);
      long expected = LockNodes.NOT_A_NODE;
      if (m.matches()) {
        plain += s.startsWith("lock-") ? 1 : 0;
        protectedNames += s.startsWith("_c_") ? 1 : 0;
        wrapped += m.group(1).startsWith("-") ? 1 : 0;
        long value = Long.parseLong(m.group(1));
        expected = value == (int) value ? value : LockNodes.NOT_A_NODE;
      }
      assertThat(LockNodes.sequence(s)).as(s).isEqualTo(expected);
      assertThat(LockNodes.encode("a/" + s).startsWith("a/%")).as("escaped: %s", s).isEqualTo(m.matches());
    }
    assertThat(List.of(plain, protectedNames, wrapped)).as("names of each shape generated").allMatch(c -> c >= 50);
  }
}
