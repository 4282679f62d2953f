package dev.lockkit.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocksTest {
  private static final String SERVICES = "META-INF/services/dev.lockkit.spi.LockProvider";

  @Test
  void memoryIsFoundByItsSchemeAloneAndByName() throws Exception {
    try (LockClient a = Locks.connect("memory:"); LockClient b = Locks.connect(URI.create("memory:/"));
        LockClient other = Locks.connect("memory:discovery-other")) {
      String name = "discovery/" + System.nanoTime();
      try (Lease lease = a.lock(name).acquire(Duration.ofSeconds(5))) {
        assertThat(b.lock(name).tryAcquire()).as("memory: and memory:/ are one store").isEmpty();
        assertThat(other.lock(name).tryAcquire()).as("a named store is separate").isPresent().get()
            .satisfies(Lease::close);
        assertThat(lease.isValid()).isTrue();
      }
    }
  }

  @Test
  void anUnknownSchemeListsTheSchemesOnTheClassPath() {
    assertThatThrownBy(() -> Locks.connect("etcd://localhost:2379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("etcd").hasMessageContaining("memory");
  }

  @Test
  void badUrisAreRefusedNamingTheArgument() {
    assertThatThrownBy(() -> Locks.connect((String) null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("uri");
    assertThatThrownBy(() -> Locks.connect("no scheme here")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("uri");
    assertThatThrownBy(() -> Locks.connect("localhost")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scheme");
    assertThatThrownBy(() -> Locks.connect("memory:", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("options");
    assertThatThrownBy(() -> Locks.connect("memory:bad name!")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noMessageNorCauseShowsThePasswordOfAUri() {
    Throwable unknown = catchThrowable(() -> Locks.connect("etcd://app:s3cret@localhost:2379"));
    assertThat(unknown).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("etcd://***@localhost:2379");
    Throwable malformed = catchThrowable(() -> Locks.connect("redis://app:s3cret pass@localhost:6379"));
    assertThat(malformed).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://***@");
    Throwable noScheme = catchThrowable(() -> Locks.connect(URI.create("//app:s3cret@localhost:6379")));
    assertThat(noScheme).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme");
    for (Throwable t : List.of(unknown, malformed, noScheme)) {
      for (Throwable e = t; e != null; e = e.getCause()) {
        assertThat(e.getMessage()).doesNotContain("s3cret");
      }
    }
  }

  @Test
  void twoProvidersForOneSchemeAreAnErrorNamingBoth(@TempDir Path dir) throws Exception {
    ClassLoader loader = loaderWith(dir, TestProviders.DupOne.class.getName(), TestProviders.DupTwo.class.getName());
    assertThatThrownBy(() -> Locks.connect(URI.create("dup://x"), LockOptions.defaults(), loader))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than one")
        .hasMessageContaining("DupOne").hasMessageContaining("DupTwo");
  }

  @Test
  void aProviderThatFailsToLoadIsSkippedAndNamedWhenItsSchemeIsAskedFor(@TempDir Path dir) throws Exception {
    ClassLoader loader = loaderWith(dir, TestProviders.MissingDriver.class.getName(), "dev.lockkit.NoSuchProvider");
    try (LockClient memory = Locks.connect(URI.create("memory:/"), LockOptions.defaults(), loader)) {
      assertThat(memory.lock("still/works").tryAcquire()).isPresent().get().satisfies(Lease::close);
    }
    assertThatThrownBy(() -> Locks.connect(URI.create("absent://x"), LockOptions.defaults(), loader))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("failed to load")
        .hasMessageContaining("MissingDriver");
  }

  /** A loader that sees the test class path plus a services file listing the given providers. */
  private static ClassLoader loaderWith(Path dir, String... providers) throws IOException {
    Path services = dir.resolve(SERVICES);
    Files.createDirectories(services.getParent());
    Files.write(services, List.of(providers));
    URL extra = services.toUri().toURL();
    ClassLoader parent = LocksTest.class.getClassLoader();
    return new ClassLoader(parent) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> urls = new ArrayList<>(Collections.list(parent.getResources(name)));
        if (name.equals(SERVICES)) {
          urls.add(extra);
        }
        return Collections.enumeration(urls);
      }
    };
  }
}
