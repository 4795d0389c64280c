package dev.countersign.rules.engine;

import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Once per JVM, before the first policy is handed out: compiles and evaluates a small bundle of the
 * engine's own that fires rules and fails one, so that the first decision of any policy does not pay
 * for what the JVM and Drools do on first use (loading and linking the engine's classes for firing,
 * failing and checking budgets), which takes longer than an evaluation's budget on a cold JVM.
 */
final class EngineWarmUp {
    private static final String RULES = """
            package countersign.warmup

            function int letters(java.util.List values) {
                int n = 0;
                for (Object v : values) {
                    n += ((String) v).length();
                }
                return n;
            }

            rule "speaks"
            when
                Action( name == "warm", $i : intent )
                Actor( roles contains "a", $roles : roles )
                eval( letters($roles) > 0 )
                $r : String( this != $i ) from data.list("values")
                accumulate( String( $s : this ) from data.list("values"); $n : count($s) )
            then
                for (Object v : data.list("values")) {
                    allow("" + v + $r + $n);
                }
                requireApproval("warm", 1, "PT1M", "warm");
            end

            rule "fails"
            when
                Action( name == "fail" )
            then
                deny("" + data.get("missing." + 1));
            end
            """;

    private static boolean done;

    private EngineWarmUp() {
    }

    /** Warms the engine up, the first time only. */
    static synchronized void once() {
        if (done) {
            return;
        }
        done = true;
        try {
            CompiledPolicy policy = PolicyCompiler.compile(BundleLoader.fromFiles(Map.of(
                    "warmup.drl", RULES.getBytes(StandardCharsets.UTF_8),
                    "data.yaml", "values: [a, b]\n".getBytes(StandardCharsets.UTF_8))), 0, Duration.ofSeconds(10));
            Actor actor = new Actor("warm", null, List.of("a"), List.of(), null, Map.of());
            for (String name : List.of("warm", "fail")) {
                policy.evaluate(new ActionContext(actor, new Action(name, null, "x", Map.of()), null, null, null, Map.of()));
            }
            policy.retire();
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException("the engine's own warm-up bundle does not compile: " + e.errors(), e);
        }
    }
}
