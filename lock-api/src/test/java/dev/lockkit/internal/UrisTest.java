package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrisTest {

  @Test
  void thePasswordIsHiddenAndTheUserKept() {
    assertThat(Uris.redact(URI.create("redis://app:s3cret@localhost:6379/0?driver=jedis")))
        .isEqualTo("redis://app:***@localhost:6379/0?driver=jedis");
    assertThat(Uris.redact("zookeeper://app:s3cret@h1:2181,h2:2181/chroot"))
        .isEqualTo("zookeeper://app:***@h1:2181,h2:2181/chroot");
  }

  @Test
  void aUserInfoWithoutColonIsHiddenWhole() {
    assertThat(Uris.redact("redis://s3cret@localhost:6379")).isEqualTo("redis://***@localhost:6379");
  }

  @Test
  void passwordsWithReservedCharactersAreHiddenWhole() {
    for (String password : new String[] {"a+b", "a%2Bb", "a%b", "p@ss@word", "a:b", "a b"}) {
      String shown = Uris.redact("rediss://app:" + password + "@localhost:6379/2");
      assertThat(shown).as(password).isEqualTo("rediss://app:***@localhost:6379/2");
    }
    // a slash ends the authority: what follows is a path to the parser, and no '@' is left to find
    assertThat(Uris.redact("redis://app:a%2Fb@localhost:6379")).isEqualTo("redis://app:***@localhost:6379");
  }

  @Test
  void uriWithoutUserInfoIsUnchanged() {
    assertThat(Uris.redact("redis://localhost:6379")).isEqualTo("redis://localhost:6379");
    assertThat(Uris.redact("memory:")).isEqualTo("memory:");
    assertThat(Uris.redact("redis://localhost:6379/?x=a@b")).isEqualTo("redis://localhost:6379/?x=a@b");
    assertThat(Uris.redact((String) null)).isEqualTo("null");
  }
}
