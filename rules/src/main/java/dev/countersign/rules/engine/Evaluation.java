package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.ActionContext;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.rule.Match;
import org.kie.internal.event.rule.RuleEventListener;

/**
 * The state of one evaluation on the calling thread: the action context being decided (read by the
 * context-part data providers), the rule whose consequence is running (set by {@link Verdicts#enter},
 * cleared when the consequence returns), what consequences said, and its budget. Rule consequences
 * run on the thread that called {@code fireAllRules}, which is what lets the bare helpers of
 * {@link Verdicts} find it; the evaluation is confined to that thread.
 *
 * <p>The budget is checked where the evaluation passes through the engine's hands: before each
 * firing, when a consequence returns, at the end, and, every few steps, in the for-each loops of rule
 * code ({@link RuleLoops}) and among the values of {@code from} sources ({@link BudgetedSource}). The first check that finds the budget spent cuts the
 * evaluation off, naming the rule whose consequence is running, else the rule the check knows;
 * from then on every check throws {@link BudgetExceeded}, so rule code that swallows one (with a
 * {@code finally} that returns) meets the next. Work between two checks (one call of the JDK, such
 * as a regular expression) is not interrupted: it is cut off at the next check once it returns.
 */
final class Evaluation {
    private static final ThreadLocal<Evaluation> CURRENT = new ThreadLocal<>();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** How many steps of loops and sources an evaluation takes between two readings of the clock; a power of two. */
    static final int STEPS_PER_LOOK = 16;

    /** Tells the evaluation that a consequence has returned; added to every session. */
    static final RuleEventListener CONSEQUENCE_ENDS = new RuleEventListener() {
        @Override
        public void onAfterMatchFire(Match match) {
            Evaluation e = current();
            e.spent(null);
            e.firing = null;
        }
    };

    /** Thrown by a check of the budget once the evaluation is cut off. */
    static final class BudgetExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded() {
            super("budget exceeded", null, false, true); // the stack trace names the rule code it stopped
        }
    }

    /** One thing a consequence said. */
    record Outcome(RuleRef rule, Verdict verdict, String message, ApprovalRequirement approval) {
    }

    final ActionContext context;
    final Map<Rule, RuleRef> rules;
    final Evaluation previous;
    /** The rule whose consequence is running; null between consequences. */
    RuleRef firing;
    final List<Outcome> outcomes = new ArrayList<>(4);
    private final long budgetNanos;
    private final long started;
    private final long cpuStarted;
    private boolean cutOff;
    private RuleRef culprit;
    private int steps;

    private Evaluation(ActionContext context, Map<Rule, RuleRef> rules, Evaluation previous, long budgetNanos, boolean cpuTime) {
        this.context = context;
        this.rules = rules;
        this.previous = previous;
        this.budgetNanos = budgetNanos;
        this.cpuStarted = cpuTime ? threadCpuTime() : -1;
        this.started = System.nanoTime();
    }

    /**
     * Starts an evaluation on this thread, whose budget ({@code budgetNanos}) runs from now, on the clock;
     * with {@code cpuTime}, only the time this thread spends on a CPU counts (reading it costs a call into
     * the kernel, so it is read at the start and then only once the clock says the budget is spent).
     */
    static Evaluation begin(ActionContext context, Map<Rule, RuleRef> rules, long budgetNanos, boolean cpuTime) {
        Evaluation e = new Evaluation(context, rules, CURRENT.get(), budgetNanos, cpuTime);
        CURRENT.set(e);
        return e;
    }

    void end() {
        CURRENT.set(previous);
    }

    static Evaluation current() {
        Evaluation e = CURRENT.get();
        if (e == null) {
            throw new IllegalStateException("allow, deny and requireApproval may only be called from a rule's consequence");
        }
        return e;
    }

    /** The evaluation running on this thread, or null. */
    static Evaluation currentOrNull() {
        return CURRENT.get();
    }

    void record(Verdict verdict, String message, ApprovalRequirement approval) {
        if (cutOff) {
            throw new BudgetExceeded(); // the clock is read when the consequence returns
        }
        outcomes.add(new Outcome(firing, verdict, message, approval));
    }

    /**
     * Whether the budget is spent. The first time it is found so, the evaluation is cut off and the rule
     * whose consequence is running is blamed, else {@code site}, the rule the caller knows (may be null).
     */
    boolean spent(RuleRef site) {
        return spent(site, null);
    }

    /**
     * Throws {@link BudgetExceeded} once the budget is spent (see {@link #spent}), for one step among many
     * (of a loop, of a source's values): the clock is read at every {@value #STEPS_PER_LOOK}th step of the
     * evaluation, so that a step costs a count, not a call to the clock.
     */
    void step(RuleRef site) {
        if (cutOff || (++steps & (STEPS_PER_LOOK - 1)) == 0 && spent(site, null)) {
            throw new BudgetExceeded();
        }
    }

    /** Throws {@link BudgetExceeded} once the budget is spent, before {@code match} fires: its rule is the site, looked up only if need be. */
    void checkBudget(Match match) {
        if (spent(null, match.getRule())) {
            throw new BudgetExceeded();
        }
    }

    private boolean spent(RuleRef site, Rule siteRule) {
        if (cutOff) {
            return true;
        }
        if (System.nanoTime() - started <= budgetNanos) {
            return false;
        }
        if (cpuStarted >= 0 && threadCpuTime() - cpuStarted <= budgetNanos) {
            return false; // the time went to other threads (or to a pause of the JVM), not to this evaluation
        }
        cutOff = true;
        culprit = firing != null ? firing : site != null ? site : siteRule != null ? rules.get(siteRule) : null;
        return true;
    }

    /** This thread's CPU time in nanoseconds, or -1 where the JVM does not measure it (the clock alone counts then). */
    private static long threadCpuTime() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /** Whether a check found the budget spent. */
    boolean cutOff() {
        return cutOff;
    }

    /** The rule blamed when the evaluation was cut off, or null when none was known there. */
    RuleRef culprit() {
        return culprit;
    }
}
