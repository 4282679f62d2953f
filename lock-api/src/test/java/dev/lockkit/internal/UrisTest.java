package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrisTest {

  @Test
  void userInfoIsHidden() {
    assertThat(Uris.redact(URI.create("redis://app:s3cret@localhost:6379/0?driver=jedis")))
        .isEqualTo("redis://***@localhost:6379/0?driver=jedis");
    assertThat(Uris.redact("zookeeper://app:s3cret@h1:2181,h2:2181/chroot"))
        .isEqualTo("zookeeper://***@h1:2181,h2:2181/chroot");
    assertThat(Uris.redact("redis://s3cret@localhost:6379")).isEqualTo("redis://***@localhost:6379");
    assertThat(Uris.redact("zookeeper:app:s3cret@h1")).isEqualTo("zookeeper:***@h1");
  }

  @Test
  void passwordsWithReservedCharactersAreHiddenWhole() {
    for (String password : new String[] {"a+b", "a%2Bb", "a%b", "p@ss@word", "a:b", "a b", "a/b", "a?b", "a#b"}) {
      String shown = Uris.redact("rediss://app:" + password + "@localhost:6379/2");
      assertThat(shown).as(password).isEqualTo("rediss://***@localhost:6379/2");
    }
  }

  @Test
  void uriWithoutUserInfoIsUnchanged() {
    assertThat(Uris.redact("redis://localhost:6379")).isEqualTo("redis://localhost:6379");
    assertThat(Uris.redact("memory:")).isEqualTo("memory:");
    assertThat(Uris.redact((String) null)).isEqualTo("null");
  }
}
