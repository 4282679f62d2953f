package dev.lockkit.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The request as the filter shows it to the handler mappings to find its handler: attributes the mappings set
 * (the matched pattern, URI variables, the parsed path) stay in this wrapper, so that the dispatcher's own lookup
 * later starts from the request as it was.
 */
final class LookupRequest extends HttpServletRequestWrapper {
  private final Map<String, Object> set = new HashMap<>();
  private final Set<String> removed = new HashSet<>();

  LookupRequest(HttpServletRequest request) {
    super(request);
  }

  @Override
  public @Nullable Object getAttribute(String name) {
    if (set.containsKey(name)) {
      return set.get(name);
    }
    return removed.contains(name) ? null : super.getAttribute(name);
  }

  @Override
  public Enumeration<String> getAttributeNames() {
    Set<String> names = new LinkedHashSet<>(Collections.list(super.getAttributeNames()));
    names.removeAll(removed);
    names.addAll(set.keySet());
    return Collections.enumeration(names);
  }

  @Override
  public void setAttribute(String name, @Nullable Object value) {
    if (value == null) {
      removeAttribute(name);
      return;
    }
    set.put(name, value);
    removed.remove(name);
  }

  @Override
  public void removeAttribute(String name) {
    set.remove(name);
    removed.add(name);
  }
}
