package dev.countersign.rules.bundle;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bundle's data documents, merged into one tree and reachable from rules as the global
 * {@code data}: {@code data.list("eu_regions")}, {@code data.number("limits.export_rows")}. A path is
 * dotted keys from the root. Asking for a path that does not exist, or for a value of another kind,
 * throws: the evaluation then ends as deny with an {@code error} reason, never as a silent empty
 * value. The compiler checks literal paths in rule files against the documents up front.
 * Immutable and safe to share between threads.
 */
public final class BundleData {
    public static final BundleData EMPTY = new BundleData(Map.of());

    private final Map<String, Object> root;
    private final Map<String, Object> byPath = new HashMap<>();

    public BundleData(Map<String, Object> root) {
        this.root = Collections.unmodifiableMap(root);
        index("", root);
    }

    /** The whole merged document. */
    public Map<String, Object> root() {
        return root;
    }

    /**
     * These documents with the values of {@code override} put in, merged by path: where both hold a
     * mapping at a key, their keys are merged the same way; any other value of {@code override} (a
     * list, a scalar, null, or a mapping where the documents hold something else) replaces what the
     * documents hold there, whole. For rule tests that replace data values; this object is unchanged.
     */
    public BundleData overriddenBy(Map<String, Object> override) {
        return new BundleData(merged(root, override));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merged(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> result = new java.util.LinkedHashMap<>(base);
        for (Map.Entry<String, Object> e : override.entrySet()) {
            Object existing = result.get(e.getKey());
            if (existing instanceof Map<?, ?> a && e.getValue() instanceof Map<?, ?> b) {
                result.put(e.getKey(), merged((Map<String, Object>) a, (Map<String, Object>) b));
            } else {
                result.put(e.getKey(), e.getValue());
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /** Whether {@code path} names a value (null values included). */
    public boolean has(String path) {
        return byPath.containsKey(path);
    }

    /** The value at {@code path}: a map, list, string, number, boolean or null. */
    public Object get(String path) {
        Object value = byPath.get(path);
        if (value == null && !byPath.containsKey(path)) {
            throw new IllegalArgumentException("data path \"" + path + "\" is not defined in the bundle's data documents");
        }
        return value;
    }

    /** The list at {@code path}; {@code contains(null)} answers false. */
    public List<Object> list(String path) {
        return as(path, List.class, "a list");
    }

    public Number number(String path) {
        return as(path, Number.class, "a number");
    }

    public String string(String path) {
        return as(path, String.class, "a string");
    }

    /** What kind of value {@code path} holds, for messages: "a list", "a number"..., or null when absent. */
    public String kindOf(String path) {
        if (!has(path)) {
            return null;
        }
        return kind(byPath.get(path));
    }

    @SuppressWarnings("unchecked")
    private <T> T as(String path, Class<?> type, String what) {
        Object value = get(path);
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("data path \"" + path + "\" is " + kind(value) + ", not " + what);
        }
        return (T) value;
    }

    static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private void index(String prefix, Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String path = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            byPath.put(path, e.getValue());
            if (e.getValue() instanceof Map<?, ?> child) {
                index(path, child);
            }
        }
    }

    /** The same for the same documents, on every run: rules may see it, and rules must be pure. */
    @Override
    public int hashCode() {
        return root.hashCode();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BundleData d && d.root.equals(root);
    }

    /** The same on every run (never an identity): rules may see it. */
    @Override
    public String toString() {
        return "data" + root.keySet();
    }
}
