package dev.lockkit.discovery;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.spi.LockProvider;
import java.net.URI;
import java.util.Set;

/** Providers that only discovery tests register, through a class loader of their own. */
public final class TestProviders {
  private TestProviders() {}

  /** One of two providers claiming the scheme {@code dup}. */
  public static final class DupOne implements LockProvider {
    @Override
    public Set<String> schemes() {
      return Set.of("dup");
    }

    @Override
    public LockClient connect(URI uri, LockOptions options) {
      throw new UnsupportedOperationException("never connected: discovery must refuse the scheme first");
    }
  }

  /** The other provider claiming {@code dup}. */
  public static final class DupTwo implements LockProvider {
    @Override
    public Set<String> schemes() {
      return Set.of("dup");
    }

    @Override
    public LockClient connect(URI uri, LockOptions options) {
      throw new UnsupportedOperationException("never connected: discovery must refuse the scheme first");
    }
  }

  /** A provider whose driver is missing from the class path, as a real one would fail to load. */
  public static final class MissingDriver implements LockProvider {
    /** Fails as a provider linking against an absent driver class does. */
    public MissingDriver() {
      throw new NoClassDefFoundError("io/example/AbsentDriver");
    }

    @Override
    public Set<String> schemes() {
      return Set.of("absent");
    }

    @Override
    public LockClient connect(URI uri, LockOptions options) {
      throw new UnsupportedOperationException();
    }
  }
}
