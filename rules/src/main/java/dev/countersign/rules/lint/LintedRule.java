package dev.countersign.rules.lint;

import java.util.List;
import java.util.Set;

/**
 * A rule as the linter sees it: where it is, what its consequence says, and its top-level patterns
 * on parts of the action context ({@code Actor}, {@code Action}, {@code Resource}, {@code Target},
 * {@code Context}, {@code ActionContext}) that match the part itself (not {@code from} a source, not
 * under {@code not}, {@code exists} or {@code or}). {@code onlyReadPatterns}: the conditions are exactly
 * those patterns and every constraint of them was read whole.
 */
record LintedRule(String file, String packageName, String name, int line, int column, SourceText source,
                  Set<String> verdicts, boolean unconditional, List<PartPattern> patterns, boolean onlyReadPatterns) {
    static final String ALLOW = "allow";
    static final String DENY = "deny";
    static final String APPROVAL = "requireApproval";

    /** A top-level pattern on a part: its type, place, what of its constraints was read, and whether all was. */
    record PartPattern(String type, int line, int column, List<Atom> atoms, boolean complete) {
    }

    /** Whether the consequence calls {@code deny(...)} and nothing decides whether it does (no {@code if}, loop or {@code ?}). */
    boolean alwaysDenies() {
        return unconditional && verdicts.contains(DENY);
    }

    /** Whether the consequence allows or asks for approval, and never denies. */
    boolean mayAllowOrAskApproval() {
        return !verdicts.contains(DENY) && (verdicts.contains(ALLOW) || verdicts.contains(APPROVAL));
    }

    /** Whether the consequence can deny or ask for approval. */
    boolean restricts() {
        return verdicts.contains(DENY) || verdicts.contains(APPROVAL);
    }

    /** {@code file:line}. */
    String place() {
        return file + ":" + line;
    }
}
