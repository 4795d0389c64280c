package dev.countersign.rules.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.Decision;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.model.ActionContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which rules an explanation shows, in which scope, and how it shows forms it does and does not evaluate. */
class ExplainFormsTest {
    static final String A = """
            package forms.a

            rule "sounds like an agent"
            when
                Action( name == "go" )
                Actor( type soundslike "agent" )
            then
                allow("sounds");
            end

            rule "some agent exists"
            when
                Action( name == "go" )
                exists Actor( type == "agent" )
            then
                allow("exists");
            end

            rule "elsewhere"
            when
                Action( name == "stop" )
            then
                deny("stop");
            end
            """;
    static final String B = """
            package forms.b

            rule "agents go"
            when
                Action( name == "go" )
                Actor( type == "agent" )
            then
                allow("agents go");
            end
            """;

    static CompiledPolicy policy;

    @BeforeAll
    static void compile() throws Exception {
        policy = PolicyCompiler.compile(BundleLoader.fromFiles(Map.of("a.drl", A.getBytes(StandardCharsets.UTF_8),
                "b.drl", B.getBytes(StandardCharsets.UTF_8))), 0);
    }

    static Explanation explain(String json, String scope) {
        ActionContext context = new ActionContextReader().read(json.getBytes(StandardCharsets.UTF_8));
        Decision decision = policy.evaluate(context, scope);
        return policy.explainer().explain(context, scope, decision);
    }

    static RuleExplanation rule(Explanation e, String name) {
        return e.rules().stream().filter(r -> r.rule().name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not explained: " + e.rules()));
    }

    @Test
    void rulesWhoseAnchorFailedAreLeftOutAndTheScopeSelects() {
        Explanation all = explain("{\"action\": {\"name\": \"go\"}, \"actor\": {\"type\": \"agent\"}}", "");
        assertEquals(List.of("sounds like an agent", "some agent exists", "agents go"),
                all.rules().stream().map(r -> r.rule().name()).toList());
        Explanation scoped = explain("{\"action\": {\"name\": \"go\"}, \"actor\": {\"type\": \"agent\"}}", "forms.b");
        assertEquals(List.of("agents go"), scoped.rules().stream().map(r -> r.rule().name()).toList());
        assertEquals("forms.b", scoped.scope());
    }

    @Test
    void anOperatorItDoesNotKnowIsShownAsNotExplained() {
        RuleExplanation r = rule(explain("{\"action\": {\"name\": \"go\"}, \"actor\": {\"type\": \"agent\"}}", ""), "sounds like an agent");
        assertTrue(r.fired());
        assertEquals(Outcome.NOT_EXPLAINED, r.outcome());
        ConstraintExplanation c = r.conditions().get(1).constraints().get(0);
        assertEquals(Outcome.NOT_EXPLAINED, c.outcome());
        assertEquals("the operator soundslike is not explained", c.message());
        assertEquals(null, r.note(), "not explained is no disagreement");
    }

    @Test
    void existsHoldsWhenThePartMeetsItsConstraints() {
        RuleExplanation held = rule(explain("{\"action\": {\"name\": \"go\"}, \"actor\": {\"type\": \"agent\"}}", ""), "some agent exists");
        assertEquals(Outcome.HELD, held.conditions().get(1).outcome());
        assertEquals("an actor was sent and its constraints hold", held.conditions().get(1).message());
        RuleExplanation failed = rule(explain("{\"action\": {\"name\": \"go\"}, \"actor\": {\"type\": \"human\"}}", ""), "some agent exists");
        assertEquals(Outcome.FAILED, failed.conditions().get(1).outcome());
        assertEquals(Map.of("type", "human"), failed.conditions().get(1).constraints().get(0).values());
        RuleExplanation absent = rule(explain("{\"action\": {\"name\": \"go\"}}", ""), "some agent exists");
        assertEquals("no actor was sent", absent.conditions().get(1).message());
        assertEquals(Outcome.FAILED, absent.outcome());
    }
}
