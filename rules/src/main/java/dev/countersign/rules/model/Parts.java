package dev.countersign.rules.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Normalisation shared by the parts of an action context. */
final class Parts {
    private Parts() {
    }

    /** An unmodifiable copy that answers {@code contains(null)} with false instead of throwing. */
    static <T> List<T> list(List<T> values) {
        if (values == null || values.isEmpty()) {
            return Collections.emptyList();
        }
        return Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** An unmodifiable, insertion-ordered copy; lookups of absent or null keys answer null. */
    static Map<String, Object> attributes(Map<String, Object> values) {
        if (values == null || values.isEmpty()) {
            return Collections.emptyMap();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
