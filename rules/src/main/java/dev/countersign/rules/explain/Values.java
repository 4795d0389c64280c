package dev.countersign.rules.explain;

import java.util.Collection;
import java.util.Map;
import java.util.StringJoiner;

/** How explanations show a value a condition read: text quoted, lists and maps in brackets, long values cut. */
public final class Values {
    /** Characters of a value shown before it is cut with an ellipsis. */
    static final int MAX_SHOWN = 80;

    private Values() {
    }

    public static String show(Object value) {
        String shown = render(value);
        return shown.length() <= MAX_SHOWN ? shown : shown.substring(0, MAX_SHOWN - 1) + "…";
    }

    private static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof CharSequence s) {
            return '"' + s.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (value instanceof Collection<?> c) {
            StringJoiner j = new StringJoiner(", ", "[", "]");
            c.forEach(e -> j.add(render(e)));
            return j.toString();
        }
        if (value instanceof Map<?, ?> m) {
            StringJoiner j = new StringJoiner(", ", "{", "}");
            m.forEach((k, v) -> j.add(k + ": " + render(v)));
            return j.toString();
        }
        return String.valueOf(value);
    }
}
