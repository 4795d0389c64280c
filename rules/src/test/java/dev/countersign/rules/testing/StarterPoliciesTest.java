package dev.countersign.rules.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Runs every rule test of the starter bundle ({@code policies/} at the top of the project) as part of the build. */
class StarterPoliciesTest {
    static final Path STARTER = Path.of(System.getProperty("countersign.policies", "../policies"));

    @TestFactory
    Stream<DynamicTest> everyRuleTestOfTheStarterBundlePasses() throws InvalidPolicyException {
        CompiledPolicy policy;
        try {
            policy = PolicyCompiler.compile(BundleLoader.load(STARTER));
        } catch (InvalidPolicyException e) {
            fail("the starter bundle does not compile:\n" + String.join("\n", e.errors().stream().map(Object::toString).toList()));
            throw e;
        }
        RuleTestRunner.Report report = RuleTestRunner.run(policy);
        assertFalse(report.results().isEmpty(), "the starter bundle has no rule tests");
        List<DynamicTest> tests = report.results().stream()
                .map(r -> DynamicTest.dynamicTest(r.file() + ": " + r.name(), () -> assertTrue(r.status() == RuleTestRunner.Status.PASS,
                        () -> r.status() + " at " + r.location() + "\n  expected " + r.expected() + "\n  actual   " + r.actual()
                                + "\n  " + String.join("\n  ", r.problems()))))
                .toList();
        return tests.stream();
    }
}
