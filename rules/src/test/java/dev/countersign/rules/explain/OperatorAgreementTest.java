package dev.countersign.rules.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.rules.Decision;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.model.ActionContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The explanation applies each operator as the engine does: one rule per constraint, over actors
 * whose fields are set, of other kinds, or absent, and the explanation of every rule must find it
 * held exactly when the real evaluation fired it.
 */
class OperatorAgreementTest {
    static final List<String> CONSTRAINTS = List.of(
            "type == \"agent\"", "type != \"agent\"", "type == null", "type != null",
            "roles contains \"admin\"", "roles not contains \"admin\"",
            "type memberOf data.list(\"kinds\")", "type not memberOf data.list(\"kinds\")",
            "type matches \"ag.*\"", "type not matches \"ag.*\"",
            "id str[startsWith] \"agent:\"", "id str[endsWith] \":bot\"", "id str[length] 5",
            "type in (\"agent\", \"service\")", "type not in (\"agent\", \"service\")",
            "number(\"level\") > 3", "number(\"level\") <= 3", "attributes[\"level\"] == 3", "attributes[\"code\"] == 3",
            "attributes[\"code\"] == \"3\"",
            "roles.size() > 1", "roles.isEmpty()", "!roles.isEmpty()",
            "type == \"agent\" || id == \"alice\"", "type == \"agent\" && id != null",
            "onBehalfOf == id", "id < \"m\"", "!(type == \"agent\")", "$t : type, $t == \"human\"");

    static final List<String> INPUTS = List.of(
            "{\"action\": {\"name\": \"x\"}, \"actor\": {\"id\": \"agent:etl:bot\", \"type\": \"agent\", \"roles\": [\"admin\", \"etl\"], \"level\": 5}}",
            "{\"action\": {\"name\": \"x\"}, \"actor\": {\"id\": \"alice\", \"type\": \"human\", \"roles\": [], \"level\": 3, \"code\": \"3\"}}",
            "{\"action\": {\"name\": \"x\"}, \"actor\": {\"id\": \"nobody\"}}",
            "{\"action\": {\"name\": \"x\"}, \"actor\": {\"id\": \"bob\", \"type\": \"service\", \"roles\": [\"x\"], \"level\": 3, \"on_behalf_of\": \"bob\", \"code\": 3}}",
            "{\"action\": {\"name\": \"x\"}, \"actor\": {\"id\": \"zed\", \"type\": \"agentic\", \"level\": 2.5}}");

    @Test
    void explanationsFindHeldExactlyTheRulesThatFire() throws Exception {
        StringBuilder drl = new StringBuilder("package ops\n\n");
        for (int i = 0; i < CONSTRAINTS.size(); i++) {
            drl.append("rule \"c").append(i).append("\"\nwhen\n    Actor( ").append(CONSTRAINTS.get(i))
                    .append(" )\nthen\n    allow(\"held\");\nend\n\n");
        }
        CompiledPolicy policy = PolicyCompiler.compile(BundleLoader.fromFiles(Map.of(
                "ops.drl", drl.toString().getBytes(StandardCharsets.UTF_8),
                "data.yaml", "kinds: [agent, human]\n".getBytes(StandardCharsets.UTF_8))), 0);
        List<String> disagreements = new ArrayList<>();
        for (String input : INPUTS) {
            ActionContext context = new ActionContextReader().read(input.getBytes(StandardCharsets.UTF_8));
            Decision decision = policy.evaluateWithRules(context, "").decision();
            Explanation e = policy.explainer().explainEvery(context, "", decision, policy.bundle().data());
            assertEquals(null, e.evaluationFailure(), input);
            assertEquals(CONSTRAINTS.size(), e.rules().size());
            for (RuleExplanation r : e.rules()) {
                String constraint = CONSTRAINTS.get(Integer.parseInt(r.rule().name().substring(1)));
                if ((r.outcome() == Outcome.HELD) != r.fired()) {
                    disagreements.add(constraint + " on " + input + ": explained " + r.outcome().label() + ", "
                            + (r.fired() ? "fired" : "did not fire") + " " + r.conditions().get(0).constraints());
                }
            }
        }
        assertEquals(List.of(), disagreements);
    }
}
