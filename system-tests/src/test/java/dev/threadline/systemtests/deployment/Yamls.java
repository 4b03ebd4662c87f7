package dev.threadline.systemtests.deployment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed access to parsed YAML trees, failing with the path that was missing or mistyped. */
public final class Yamls {

  private Yamls() {}

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object value, String where) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new AssertionError(where + ": expected a mapping, found " + value);
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((key, item) -> copy.put(String.valueOf(key), item));
    return copy;
  }

  @SuppressWarnings("unchecked")
  public static List<Object> list(Object value, String where) {
    if (!(value instanceof List<?> list)) {
      throw new AssertionError(where + ": expected a list, found " + value);
    }
    return (List<Object>) list;
  }

  /** The value at a dotted path ({@code spec.template.spec}), if every step exists. */
  public static Optional<Object> at(Map<String, Object> root, String dottedPath) {
    Object current = root;
    for (String step : dottedPath.split("\\.")) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(step)) {
        return Optional.empty();
      }
      current = map.get(step);
    }
    return Optional.ofNullable(current);
  }

  public static Object required(Map<String, Object> root, String dottedPath, String where) {
    return at(root, dottedPath)
        .orElseThrow(() -> new AssertionError(where + ": " + dottedPath + " is missing"));
  }

  public static Map<String, Object> requiredMap(
      Map<String, Object> root, String dottedPath, String where) {
    return map(required(root, dottedPath, where), where + " " + dottedPath);
  }

  public static String requiredString(Map<String, Object> root, String dottedPath, String where) {
    return String.valueOf(required(root, dottedPath, where));
  }
}
