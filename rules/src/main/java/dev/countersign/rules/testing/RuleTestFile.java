package dev.countersign.rules.testing;

import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.ActionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One {@code *_test.yaml} file: its path in the bundle and its cases, in file order. */
public record RuleTestFile(String path, List<Case> cases) {
    public RuleTestFile {
        cases = List.copyOf(cases);
    }

    /** A named input and what its decision must be; {@code line} is where the case starts. */
    public record Case(String name, int line, ActionContext input, Expectation expect) {
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
