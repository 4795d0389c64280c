package dev.countersign.rules.lint;

import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.engine.CompiledPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Lints a compiled bundle: reads its rule files again with the DRL parser and reports, sorted by
 * file, line and column, what the lints of {@link Lint} find, less what {@code // lint:ignore}
 * comments silence ({@link Suppressions}). The bundle must have compiled, so every file parses;
 * the rule tests are evaluated to find untested rules (see {@link MissingTests}). Slow as the
 * evaluations are: never call it on an event loop.
 *
 * <p>The contract of every lint: a finding is drawn only from constraints read whole
 * ({@link ConstraintReader}); conditions in other forms are left alone, so they can hide a problem
 * but never cause a false finding.
 */
public final class Linter {
    private Linter() {
    }

    /** The findings, sorted; a deny of the manifest's {@code always} packages shadows in every scope. */
    public static List<LintFinding> lint(CompiledPolicy policy) {
        Set<String> alwaysPackages = Set.copyOf(policy.alwaysPackages());
        List<LintedRule> rules = new ArrayList<>();
        for (SourceFile file : policy.bundle().ruleFiles()) {
            rules.addAll(RuleReader.read(file));
        }
        ActionNames actionNames = new ActionNames(policy, rules);
        MissingTests missingTests = new MissingTests(policy);
        List<LintFinding> findings = new ArrayList<>();
        for (LintedRule rule : rules) {
            Contradictions.check(rule, findings);
            actionNames.check(rule, findings);
            JoinGuards.check(rule, findings);
            RegexIntent.check(rule, findings);
            Shadowing.check(rule, rules, alwaysPackages, findings);
            missingTests.check(rule, findings);
        }
        List<LintFinding> kept = Suppressions.apply(findings, rules);
        kept.sort(null);
        return List.copyOf(kept);
    }

    /** Whether {@code findings} fail a lint run: any error, or any finding at all when warnings count as errors. */
    public static boolean fails(List<LintFinding> findings, boolean warningsAsErrors) {
        return findings.stream().anyMatch(f -> warningsAsErrors || f.severity() == Lint.Severity.ERROR);
    }
}
