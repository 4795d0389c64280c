package dev.countersign.rules.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.countersign.rules.Decision;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import dev.countersign.rules.testing.RuleTestFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The explanation agrees with the real evaluation on every rule it can decide: over every rule-test
 * case of the starter bundle and of the golden bundle, a rule found to hold fired and a rule found to
 * fail did not (cases whose evaluation failed are skipped: then no rule's verdict counts), and no
 * rule carries a disagreement note.
 */
class ExplainConsistencyTest {
    @TestFactory
    Stream<DynamicTest> explanationsAgreeWithDecisions() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path bundle : List.of(Path.of("../policies"), Path.of("src/test/resources/golden/explain/bundle"))) {
            CompiledPolicy policy = PolicyCompiler.compile(BundleLoader.load(bundle));
            for (RuleTestFile file : policy.bundle().tests()) {
                for (RuleTestFile.Case c : file.cases()) {
                    tests.add(DynamicTest.dynamicTest(file.path() + ":" + c.line() + " " + c.name(), () -> {
                        Decision decision = policy.evaluateWithRules(c.input(), "").decision();
                        Explanation e = policy.explainer().explainEvery(c.input(), "", decision, policy.bundle().data());
                        assertFalse(e.rules().isEmpty());
                        if (e.evaluationFailure() != null) {
                            return;
                        }
                        for (RuleExplanation r : e.rules()) {
                            if (r.outcome() == Outcome.HELD || r.outcome() == Outcome.FAILED) {
                                assertEquals(r.outcome() == Outcome.HELD, r.fired(), r.rule() + " found " + r.outcome().label()
                                        + " but " + (r.fired() ? "fired" : "did not fire") + ": " + r.conditions());
                            }
                            assertNull(r.note(), r.rule().toString());
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }
}
