package dev.countersign.rules.model;

import java.util.List;
import java.util.Map;

/**
 * Typed reads of free attributes, for rules. {@code attributes["rows"] > 10000} lets MVEL coerce:
 * "20000" compares as a number, {@code true} as 1 and a list as never greater, so a malformed value
 * can skip a limit. {@code number("rows") > 10000} instead fails the evaluation (deny, with an
 * {@code error} reason) when the value is present and not a number. Each method answers null when the
 * attribute is absent.
 */
public interface Attributed {
    Map<String, Object> attributes();

    /** The attribute as a number; null when absent; throws when it is something else. */
    default Number number(String key) {
        return typed(key, Number.class, "a number");
    }

    /** The attribute as a string; null when absent; throws when it is something else. */
    default String text(String key) {
        return typed(key, String.class, "a string");
    }

    /** The attribute as a boolean; null when absent; throws when it is something else. */
    default Boolean flag(String key) {
        return typed(key, Boolean.class, "a boolean");
    }

    /** The attribute as a list; null when absent; throws when it is something else. */
    @SuppressWarnings("unchecked")
    default List<Object> list(String key) {
        return typed(key, List.class, "a list");
    }

    @SuppressWarnings("unchecked")
    private <T> T typed(String key, Class<?> type, String what) {
        Object value = attributes().get(key);
        if (value == null || type.isInstance(value)) {
            return (T) value;
        }
        String kind = value instanceof String ? "a string" : value instanceof Number ? "a number"
                : value instanceof Boolean ? "a boolean" : value instanceof List<?> ? "a list"
                : value instanceof Map<?, ?> ? "an object" : value.getClass().getSimpleName();
        throw new IllegalArgumentException("attribute \"" + key + "\" is " + kind + ", not " + what);
    }
}
