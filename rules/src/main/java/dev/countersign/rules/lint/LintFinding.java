package dev.countersign.rules.lint;

import java.util.Comparator;

/**
 * One finding of the linter: where ({@code file} relative to the bundle, 1-based line and column),
 * the rule it is about, which lint found it, how much it weighs, what is wrong and what to write
 * instead.
 */
public record LintFinding(String file, int line, int column, String rule, Lint lint, String message, String hint)
        implements Comparable<LintFinding> {
    private static final Comparator<LintFinding> ORDER = Comparator.comparing(LintFinding::file)
            .thenComparingInt(LintFinding::line)
            .thenComparingInt(LintFinding::column)
            .thenComparing(f -> f.lint().id())
            .thenComparing(LintFinding::message);

    public Lint.Severity severity() {
        return lint.severity();
    }

    /** {@code file:line:column}. */
    public String location() {
        return file + ":" + line + ":" + column;
    }

    @Override
    public int compareTo(LintFinding other) {
        return ORDER.compare(this, other);
    }

    /** {@code file:line:column: severity id: rule "name": message (hint: ...)}, one line. */
    @Override
    public String toString() {
        return location() + ": " + severity().label() + " " + lint.id() + ": rule \"" + rule + "\": " + message + " (hint: " + hint + ")";
    }
}
