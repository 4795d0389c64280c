package dev.countersign.rules.explain;

import java.util.Map;

/**
 * One constraint of a pattern ({@code type == "agent"}), as written at {@code line:column}: its
 * outcome, the values it read (each expression that is not a literal, in reading order; a value may be
 * null), and a message for an error or a constraint not explained.
 */
public record ConstraintExplanation(String text, int line, int column, Outcome outcome, Map<String, Object> values,
                                    String message) {
    public ConstraintExplanation {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }
}
