package dev.countersign.rules.testing;

import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.Mention;
import dev.countersign.rules.model.ActionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One {@code *_test.yaml} file: its path in the bundle and its cases, in file order, and the names
 * every case gives that the compiler checks ({@code references}: of the cases with problems of their
 * own too, so that one problem of a case hides none of its others).
 */
public record RuleTestFile(String path, List<Case> cases, List<References> references) {
    public RuleTestFile {
        cases = List.copyOf(cases);
        references = List.copyOf(references);
    }

    /** A file whose references are its cases'. */
    public RuleTestFile(String path, List<Case> cases) {
        this(path, cases, cases.stream().map(Case::references).toList());
    }

    /**
     * A named input and what its decision must be; {@code line} is where the case starts. {@code scope}
     * is the package the case decides in ("" for the whole bundle); {@code data}, when not null, holds
     * the data values the case replaces (nested maps, merged by path into the bundle's documents:
     * {@link dev.countersign.rules.bundle.BundleData#overriddenBy}). {@code references} are the names
     * the compiler checks against the bundle.
     */
    public record Case(String name, int line, ActionContext input, Expectation expect, String scope, Map<String, Object> data,
                       References references) {
        public Case {
            scope = scope == null ? "" : scope;
        }

        /** A case of the whole bundle, with the bundle's data. */
        public Case(String name, int line, ActionContext input, Expectation expect) {
            this(name, line, input, expect, "", null, References.NONE);
        }
    }

    /**
     * Where a case names what must exist in the compiled bundle: its package ({@code scope}, null when
     * none), the rules of its {@code reasons} and {@code not_reasons} (the special names {@code error}
     * and {@code default} left out), and the dotted data paths it replaces.
     */
    public record References(Mention scope, List<Mention> rules, List<Mention> dataPaths) {
        public static final References NONE = new References(null, List.of(), List.of());

        public References {
            rules = List.copyOf(rules);
            dataPaths = List.copyOf(dataPaths);
        }
    }

    /**
     * The expected verdict; the rule names that must be among the reasons, and those that must not
     * (empty: not checked); and, when given, the approval requirement's groups, quorum and ttl (each
     * null when not checked). Expecting the reason {@code error} pins a failed evaluation.
     */
    public record Expectation(Verdict verdict, List<String> reasons, List<String> notReasons, List<String> groups,
                              Map<String, Integer> quorum, Duration ttl) {
        public Expectation {
            reasons = List.copyOf(reasons);
            notReasons = List.copyOf(notReasons);
        }

        /** Whether the case expects the evaluation to fail (its reasons name {@code error}). */
        public boolean expectsError() {
            return reasons.contains(dev.countersign.rules.Reason.ERROR_RULE);
        }
    }
}
