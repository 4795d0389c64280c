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
     * The expected verdict; the rule names that must be among the reasons (empty: not checked); and,
     * when given, the approval requirement's groups, quorum and ttl (each null when not checked).
     */
    public record Expectation(Verdict verdict, List<String> reasons, List<String> groups, Map<String, Integer> quorum,
                              Duration ttl) {
        public Expectation {
            reasons = List.copyOf(reasons);
        }
    }
}
