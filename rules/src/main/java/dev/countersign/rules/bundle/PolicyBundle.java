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
 * compiler reports them with its own, and such a bundle never compiles. {@code always} are the
 * manifest's {@code always} packages, as written: their rules, and those of the packages below them,
 * join every decision made with a package scope; the compiler checks that each names a package.
 * {@code controls} is the bundle's control catalogue ({@code controls.yaml}), null when it has none:
 * then a rule may name any control. {@code requireControls} is the manifest's
 * {@code require_controls}: every deny and needs_approval rule must name a control, or the bundle
 * does not compile.
 */
public record PolicyBundle(String name, Verdict defaultVerdict, List<SourceFile> ruleFiles, BundleData data,
                           List<RuleTestFile> tests, String revision, List<PolicyError> problems, List<Mention> always,
                           ControlCatalogue controls, boolean requireControls) {
    public PolicyBundle {
        ruleFiles = List.copyOf(ruleFiles);
        tests = List.copyOf(tests);
        problems = List.copyOf(problems);
        always = List.copyOf(always);
    }

    /** A bundle without a control catalogue or requirement. */
    public PolicyBundle(String name, Verdict defaultVerdict, List<SourceFile> ruleFiles, BundleData data,
                        List<RuleTestFile> tests, String revision, List<PolicyError> problems, List<Mention> always) {
        this(name, defaultVerdict, ruleFiles, data, tests, revision, problems, always, null, false);
    }

    /** A bundle without {@code always} packages. */
    public PolicyBundle(String name, Verdict defaultVerdict, List<SourceFile> ruleFiles, BundleData data,
                        List<RuleTestFile> tests, String revision, List<PolicyError> problems) {
        this(name, defaultVerdict, ruleFiles, data, tests, revision, problems, List.of());
    }

    /** The number of rule-test cases across all test files. */
    public int testCaseCount() {
        return tests.stream().mapToInt(t -> t.cases().size()).sum();
    }
}
