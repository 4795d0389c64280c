package dev.countersign.benchmarks;

import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.model.ActionContext;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Decisions per second of one thread against a generated bundle of 10 to 10,000 rules
 * ({@link GeneratedBundle}): 256 fixed action contexts, taken in turn, each matching 2 or 3 rules
 * (one in eight none). See {@link #traffic} for which actions the contexts name. Compilation happens once per trial; the setup checks every context's
 * decision against the oracle before anything is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GeneratedBundleBenchmark {
    static final int CONTEXTS = 256;

    @Param({"10", "100", "1000", "10000"})
    public int rules;

    /**
     * {@code all}: the contexts' actions are drawn from the whole bundle, so a bigger bundle also
     * means traffic over more rules (the realistic case). {@code hot}: from the first two actions only
     * (the full groups of the 10-rule bundle), so every size decides the same traffic and only the
     * size of the bundle differs.
     */
    /**
     * {@code off}: every decision is evaluated by the rules (the engine's cost). {@code on}: the
     * compiled policy's decision cache answers a context it decided before; the fixed inputs here
     * repeat, so this measures cache hits.
     */
    @Param({"off", "on"})
    public String cache;

    @Param({"all", "hot"})
    public String traffic;

    private CompiledPolicy policy;
    private ActionContext[] contexts;

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void compile() {
        long start = System.nanoTime();
        policy = Assets.compile(GeneratedBundle.bundle(rules), cache);
        long compiled = System.nanoTime() - start;
        Assets.check(policy.rules().size() == rules, "compiled " + policy.rules().size() + " rules, not " + rules);
        int hotActions = switch (traffic) {
            case "all" -> 0;
            case "hot" -> 2;
            default -> throw new IllegalArgumentException("traffic is all or hot, not " + traffic);
        };
        contexts = GeneratedBundle.contexts(rules, CONTEXTS, hotActions);
        long distinctActions = java.util.Arrays.stream(contexts).map(c -> c.action().name()).distinct().count();
        int matched = 0;
        int defaults = 0;
        for (int i = 0; i < contexts.length; i++) {
            ActionContext c = contexts[i];
            Decision d = policy.evaluate(c);
            Assets.requireNoError(d, "context " + i + " (" + c.action().name() + ")");
            GeneratedBundle.Expected want = GeneratedBundle.expected(rules, c);
            boolean isDefault = d.reasons().size() == 1 && Reason.DEFAULT_RULE.equals(d.reasons().get(0).rule());
            int got = isDefault ? 0 : d.reasons().size();
            Assets.check(got == want.matches() && d.verdict() == want.verdict(),
                    "context " + i + " (" + c.action().name() + ", " + c.actor().type() + ", " + c.resource().environment()
                            + ", " + c.resource().classification() + "): expected " + want.matches() + " matching rules and "
                            + want.verdict() + ", got " + got + " and " + d.verdict() + " " + d.reasons());
            matched += got;
            defaults += isDefault ? 1 : 0;
        }
        System.out.printf("%n[setup] %d rules in %d packages compiled in %.1f s; %d contexts over %d distinct actions checked"
                        + " against the oracle: %.2f matching rules per decision on average, %d decided by the default verdict%n",
                rules, policy.packages().size(), compiled / 1e9, contexts.length, distinctActions,
                (double) matched / contexts.length, defaults);
    }

    @TearDown(Level.Trial)
    public void retire() {
        policy.retire();
    }

    @Benchmark
    public Decision evaluate(Cursor cursor) {
        int i = cursor.next;
        cursor.next = (i + 1) & (CONTEXTS - 1);
        return policy.evaluate(contexts[i]);
    }
}
