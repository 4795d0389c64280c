package dev.countersign.rules.lint;

/**
 * The linter's checks, each with the id a finding and a {@code // lint:ignore <id>} comment name it
 * by. An error is a rule that cannot do what it says (it can never fire, never decide, or matches
 * what it should not) or is untested; a warning is a guess that may be wrong, and fails a run only
 * when warnings count as errors.
 */
public enum Lint {
    /** Constraints on one property of one part that no single fact can meet together. */
    CONTRADICTION("contradiction", Severity.ERROR),
    /** {@code Action( name == "x" )} where no rule test and no data document mentions "x". */
    UNKNOWN_ACTION("unknown-action", Severity.WARNING),
    /** A join on a bound property that may be absent: {@code null == null} holds. */
    UNGUARDED_JOIN("unguarded-join", Severity.ERROR),
    /** {@code command matches "..."} with a pattern that reads as a search but must match the whole text. */
    WHOLE_STRING_MATCH("whole-string-match", Severity.ERROR),
    /** An allow or needs_approval rule that fires only when a deny in its scope fires too. */
    SHADOWED("shadowed", Severity.ERROR),
    /** A deny or needs_approval rule that no rule-test case fires. */
    MISSING_TEST("missing-test", Severity.ERROR),
    /** A {@code // lint:ignore} comment that silences nothing, or names no lint. */
    UNUSED_IGNORE("unused-ignore", Severity.WARNING);

    public enum Severity {
        ERROR, WARNING;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String id;
    private final Severity severity;

    Lint(String id, Severity severity) {
        this.id = id;
        this.severity = severity;
    }

    public String id() {
        return id;
    }

    public Severity severity() {
        return severity;
    }

    /** The lint with this id, or null. */
    public static Lint byId(String id) {
        for (Lint l : values()) {
            if (l.id.equals(id)) {
                return l;
            }
        }
        return null;
    }
}
