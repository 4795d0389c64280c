package dev.countersign.rules.lint;

import dev.countersign.rules.Reason;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.testing.RuleTestFile;
import dev.countersign.rules.testing.RuleTestRunner;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Deny and needs_approval rules that no rule-test case fires. Every case of the bundle's tests is
 * evaluated as {@code test} evaluates it (in its package, with its data, never from the cache) and every rule among the reasons of its decision
 * counts as fired, whatever the case expects; an evaluation the budget cuts off is made again, up to
 * three times in all, as {@code test} does. A case whose evaluation fails fires nothing: a failed
 * decision keeps only its {@code error} reason.
 */
final class MissingTests {
    private static final int CUT_OFF_RUNS = 3;

    private final Set<String> fired = new HashSet<>();

    MissingTests(CompiledPolicy policy) {
        for (RuleTestFile file : policy.bundle().tests()) {
            for (RuleTestFile.Case c : file.cases()) {
                CompiledPolicy.Result result = RuleTestRunner.evaluate(policy, c);
                for (int run = 1; run < CUT_OFF_RUNS && result.cutOff(); run++) {
                    result = RuleTestRunner.evaluate(policy, c);
                }
                for (Reason r : result.decision().reasons()) {
                    fired.add(key(r.packageName(), r.rule()));
                }
            }
        }
    }

    void check(LintedRule rule, List<LintFinding> out) {
        if (!rule.restricts() || fired.contains(key(rule.packageName(), rule.name()))) {
            return;
        }
        String what = rule.verdicts().contains(LintedRule.DENY) ? "deny" : "needs_approval";
        out.add(new LintFinding(rule.file(), rule.line(), rule.column(), rule.name(), Lint.MISSING_TEST,
                "no rule-test case fires this " + what + " rule",
                "add a case to a *_test.yaml file whose input makes it fire, with \"" + rule.name() + "\" among its expected reasons"));
    }

    private static String key(String pkg, String rule) {
        return pkg + '\u0000' + rule;
    }
}
