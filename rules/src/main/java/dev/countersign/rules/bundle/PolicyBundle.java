package dev.countersign.rules.bundle;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.testing.RuleTestFile;
import java.util.List;

/**
 * A loaded policy bundle, not yet compiled: rule files, merged data, rule tests and the manifest's
 * name and default verdict. {@code revision} is {@code sha256:<hex>} over the paths and contents of
 * every bundle file (rule files, data documents, manifest and rule tests), so equal bundles have
 * equal revisions, and a changed test is a new revision that must pass before it is activated.
 * {@code problems} are what loading found wrong (unreadable or malformed data, tests, manifest); the
 * compiler reports them with its own, and such a bundle never compiles.
 */
public record PolicyBundle(String name, Verdict defaultVerdict, List<SourceFile> ruleFiles, BundleData data,
                           List<RuleTestFile> tests, String revision, List<PolicyError> problems) {
    public PolicyBundle {
        ruleFiles = List.copyOf(ruleFiles);
        tests = List.copyOf(tests);
        problems = List.copyOf(problems);
    }

    /** The number of rule-test cases across all test files. */
    public int testCaseCount() {
        return tests.stream().mapToInt(t -> t.cases().size()).sum();
    }
}
