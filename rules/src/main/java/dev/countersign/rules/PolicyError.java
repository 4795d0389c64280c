package dev.countersign.rules;

import java.util.Comparator;

/**
 * One problem in a policy bundle: the file (relative to the bundle, '/'-separated), the 1-based line
 * and column where known (0 when not), and what is wrong.
 */
public record PolicyError(String file, int line, int column, String message) implements Comparable<PolicyError> {
    private static final Comparator<PolicyError> ORDER = Comparator.comparing(PolicyError::file)
            .thenComparingInt(PolicyError::line)
            .thenComparingInt(PolicyError::column)
            .thenComparing(PolicyError::message);

    /** {@code file:line:column}, leaving out what is unknown. */
    public String location() {
        if (line <= 0) {
            return file;
        }
        return column <= 0 ? file + ":" + line : file + ":" + line + ":" + column;
    }

    @Override
    public int compareTo(PolicyError other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return location() + ": " + message;
    }
}
