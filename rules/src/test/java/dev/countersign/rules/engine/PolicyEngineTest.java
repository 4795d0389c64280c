package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.rules.Reason;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine's count of cut-off decisions, across the policies it activates. */
class PolicyEngineTest {
    static final String RULES = """
            package p

            rule "loops over copies"
            when
                Action( name == "loops" )
            then
                long n = 0;
                for (Object x : java.util.Collections.nCopies(1000000, "x")) {
                    for (Object y : java.util.Collections.nCopies(1000000, "y")) {
                        n++;
                    }
                }
                deny("" + n);
            end
            """;

    static final ActionContext LOOPS = new ActionContext(null, new Action("loops", null, null, Map.of()), null, null, null, Map.of());

    static CompiledPolicy compile(String drl) throws Exception {
        return PolicyCompiler.compile(BundleLoader.fromFiles(Map.of("p.drl", drl.getBytes(StandardCharsets.UTF_8))), 100,
                Duration.ofMillis(20));
    }

    @Test
    void cutOffDecisionsAreCountedAcrossActivationsAndRuleTestsAreNot() throws Exception {
        CompiledPolicy first = compile(RULES);
        PolicyEngine engine = new PolicyEngine(first);
        assertEquals(Reason.ERROR_RULE, engine.decide(LOOPS).reasons().get(0).rule());
        assertEquals("rule \"loops over copies\" failed: budget exceeded (20 ms)", engine.decide(LOOPS).reasons().get(0).message());
        assertEquals(2, engine.cutOffEvaluations());

        CompiledPolicy second = compile(RULES.replace("deny(", "allow("));
        assertEquals(true, second.evaluateWithRules(LOOPS, "").cutOff());
        assertEquals(0, second.cutOffEvaluations(), "an evaluation for a rule test is not a decision served");
        engine.activate(second);
        assertEquals(2, engine.cutOffEvaluations(), "the replaced policy's count stays");
        engine.decide(LOOPS);
        assertEquals(3, engine.cutOffEvaluations());
        assertEquals(1, second.cutOffEvaluations());
    }
}
