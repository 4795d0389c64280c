package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.countersign.rules.Decision;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rule cannot read an identity hash code through the text of a value. Any value whose class keeps
 * Object's {@code toString} carries its identity hash in its text: an iterator
 * ({@code new ArrayList().iterator()}), {@code Comparator.reverseOrder()},
 * {@code String.CASE_INSENSITIVE_ORDER}. String concatenation (or {@code toString()}) would turn it into
 * text a rule branches on or puts in a reason, in a condition (MVEL) and in a consequence (Java, where
 * the concatenation's invokedynamic calls {@code toString}), so one input would be decided differently
 * from one evaluation to the next (found by the second security review). Such values are not available
 * to rules at all, so the bundle is refused. (The data-driven variants are in
 * {@code cases/25_sandbox_identity_text.yaml}.)
 */
class IdentityTextSandboxTest {
    private static final String DRL = """
            package p
            import java.util.*;

            rule "identity text in a condition"
            when
                Action( name == "go" )
                $s : String() from "" + new ArrayList().iterator()
            then
                deny($s);
            end

            rule "identity text in a consequence"
            when
                Action( name == "go" )
            then
                deny("" + new ArrayList().iterator() + " " + Comparator.reverseOrder());
            end
            """;

    @Test
    void aRuleCannotReadAnIdentityHashThroughTheTextOfAValue() throws Exception {
        PolicyBundle bundle = BundleLoader.fromFiles(Map.of("a.drl", DRL.getBytes(StandardCharsets.UTF_8)));
        CompiledPolicy policy;
        try {
            policy = PolicyCompiler.compile(bundle, 0);
        } catch (InvalidPolicyException refused) {
            return;
        }
        ActionContext go = new ActionContext(null, new Action("go", null, null, null), null, null, null, null);
        Decision first = policy.evaluate(go);
        Decision second = policy.evaluate(go);
        if (!first.reasons().toString().equals(second.reasons().toString())) {
            fail("one input, two decisions:\n  " + first.reasons() + "\n  " + second.reasons());
        }
        fail("the bundle compiled; reasons carry identity text: " + first.reasons());
    }
}
