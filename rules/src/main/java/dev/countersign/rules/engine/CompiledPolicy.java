package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.bundle.Mention;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.kie.api.KieServices;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionConfiguration;
import org.kie.api.runtime.conf.ThreadSafeOption;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.internal.event.rule.RuleEventManager;

/**
 * A bundle compiled and ready to decide. Immutable and safe to evaluate from many threads at once:
 * each evaluation borrows a session of its own from a pool, inserts the parts of the context some
 * rule matches as facts (and the {@link FlatContext} when rules were rewritten to match it), fires,
 * and removes them. Evaluation is pure: the same context and revision
 * give the same verdict and reasons, so a context decided before is answered from a bounded cache
 * (with a new decision id) unless the cache is off. A rule that throws (in a condition or a
 * consequence), the JVM's own errors (a stack overflow, no memory left) included, ends the evaluation
 * as deny with one {@code error} reason naming it ({@link FailureReasons}); what other rules said is
 * discarded, the session is disposed, and a decision the JVM's errors ended is not cached.
 *
 * <p>Every evaluation has a budget, {@link #maxEvaluationTime()}, from the moment its session is
 * borrowed. An evaluation still running when it is spent is cut off: stopped at the next point where
 * it checks its budget ({@link Evaluation}), or, if the work in hand never reaches one (one call of
 * the JDK, such as a regular expression, runs to its end), once it returns. One cut off within a few
 * budgets is made once more, counting only the thread's CPU time ({@link #evaluateNow}); cut off
 * again, or after longer, the decision is deny with one {@code error} reason,
 * {@code budget exceeded (50 ms)}, naming the rule that was running where known; it is counted
 * ({@link #cutOffEvaluations()}) and never cached, and the sessions are disposed. A rule that runs
 * away thus costs its caller about twice the budget. The checks run on the evaluating thread itself:
 * no other thread touches a session, and none is started.
 */
public final class CompiledPolicy {
    /** Firings beyond this end the evaluation as an error: rules that loop would never answer. */
    static final int MAX_FIRINGS = 10_000;

    /** How many budgets a first attempt cut off may have taken for a second attempt to be made. */
    static final int RETRY_WITHIN_BUDGETS = 20;

    private static final ActionContext WARM_UP = new ActionContext(
            new Actor(null, null, List.of(), List.of(), null, Map.of()), new Action("", null, null, Map.of()),
            new Resource(null, null, null, null, null, null, Map.of()), new Target(null, null, Map.of()),
            new Context(null, null, List.of(), null, null, Map.of()), Map.of());

    /** Outcomes of the deciding verdict first, then by file, line, rule and message. */
    private static final Comparator<Evaluation.Outcome> OUTCOME_ORDER = Comparator
            .comparing(Evaluation.Outcome::verdict, Comparator.reverseOrder())
            .thenComparing(o -> o.rule().file())
            .thenComparingInt(o -> o.rule().line())
            .thenComparing(o -> o.rule().name())
            .thenComparing(Evaluation.Outcome::message, Comparator.nullsFirst(Comparator.naturalOrder()));

    private final PolicyBundle bundle;
    private final InternalKnowledgeBase kieBase;
    private final Map<Rule, RuleRef> rules;
    private final FailureReasons failures;
    private final Part[] inserted;
    /** Whether rules match the {@link FlatContext} of the context ({@link FlatPlanner}): then it is inserted too. */
    private final boolean flat;
    private final SessionPool sessions;
    private final KieSessionConfiguration sessionConfiguration;
    private final List<RuleRef> ruleList;
    private final Set<String> packages;
    private final List<String> alwaysPackages;
    /** The rules of the {@code always} packages and below, which join every scoped decision. */
    private final Set<Rule> alwaysRules;
    private final DecisionCache cache;
    private final Duration maxEvaluationTime;
    private final long budgetNanos;
    private final long retryWithinNanos;
    private final String budgetExceeded;
    private final LongAdder cutOffCount = new LongAdder();
    private volatile RuleExplainer explainer;

    /**
     * A policy deciding with {@code kieBase}; {@code rules} says where each rule is written,
     * {@code constraints} which rule a condition's text is first written in, {@code ruleClasses} which
     * rule each class Drools generated for rule code comes from, {@code textSites} which condition and
     * rule each site of {@link TextOperators} is.
     */
    CompiledPolicy(PolicyBundle bundle, InternalKnowledgeBase kieBase, Map<Rule, RuleRef> rules, Map<String, RuleRef> constraints,
                   Map<String, RuleRef> ruleClasses, List<TextOperators.Site> textSites, Set<Part> inserted, boolean flat,
                   CacheBounds cacheBounds, Duration maxEvaluationTime) {
        this.bundle = bundle;
        this.kieBase = kieBase;
        this.rules = rules;
        this.inserted = inserted.toArray(new Part[0]);
        this.flat = flat;
        this.sessionConfiguration = KieServices.get().newKieSessionConfiguration();
        this.sessionConfiguration.setOption(ThreadSafeOption.NO);
        this.sessions = new SessionPool(this::newSession);
        this.ruleList = rules.values().stream()
                .sorted(Comparator.comparing(RuleRef::file).thenComparingInt(RuleRef::line).thenComparing(RuleRef::name))
                .toList();
        this.packages = new TreeSet<>(rules.values().stream().map(RuleRef::packageName).toList());
        this.alwaysPackages = bundle.always().stream().map(Mention::name).distinct().toList();
        this.alwaysRules = Collections.newSetFromMap(new IdentityHashMap<>());
        rules.forEach((rule, ref) -> {
            if (alwaysPackages.stream().anyMatch(ref::inScope)) {
                alwaysRules.add(rule);
            }
        });
        this.failures = new FailureReasons(rules, ruleList, constraints, ruleClasses, textSites);
        this.cache = cacheBounds.entries() > 0 ? new DecisionCache(cacheBounds) : null;
        this.maxEvaluationTime = maxEvaluationTime;
        this.budgetNanos = maxEvaluationTime.toNanos();
        this.retryWithinNanos = budgetNanos > Long.MAX_VALUE / RETRY_WITHIN_BUDGETS ? Long.MAX_VALUE : budgetNanos * RETRY_WITHIN_BUDGETS;
        this.budgetExceeded = "budget exceeded (" + millis(maxEvaluationTime) + " ms)";
    }

    public PolicyBundle bundle() {
        return bundle;
    }

    /**
     * What explains this policy's decisions ({@link RuleExplainer}), built on first use: explanations
     * are made only when asked, never on the path of a decision.
     */
    public RuleExplainer explainer() {
        RuleExplainer e = explainer;
        if (e == null) {
            synchronized (this) {
                if (explainer == null) {
                    explainer = new RuleExplainer(this, kieBase.getRootClassLoader());
                }
                e = explainer;
            }
        }
        return e;
    }

    /** {@code sha256:<hex>} of the files that decide. */
    public String revision() {
        return bundle.revision();
    }

    /** Every rule, by file and line. */
    public List<RuleRef> rules() {
        return ruleList;
    }

    /** The packages that hold rules. */
    public Set<String> packages() {
        return packages;
    }

    /** The manifest's {@code always} packages, whose rules (and those below them) join every scoped decision. */
    public List<String> alwaysPackages() {
        return alwaysPackages;
    }

    /** Whether {@code rule} decides in {@code scope}: it is in that package or below it, or in an {@code always} package. */
    public boolean decidesIn(RuleRef rule, String scope) {
        return rule.inScope(scope) || alwaysPackages.stream().anyMatch(rule::inScope);
    }

    /** Whether some rule is in package {@code prefix} or below it. */
    public boolean covers(String prefix) {
        for (String p : packages) {
            if (p.equals(prefix) || p.startsWith(prefix + ".")) {
                return true;
            }
        }
        return prefix.isEmpty();
    }

    /** Decides {@code context} with every rule of the bundle. */
    public Decision evaluate(ActionContext context) {
        return evaluate(context, "");
    }

    /**
     * Decides {@code context} with the rules of package {@code packagePrefix} and the packages below it
     * ("" for all), and those of the {@code always} packages ({@link #alwaysPackages()}); with no such
     * rule matching, the bundle's default verdict applies (its reason names {@code packagePrefix}).
     */
    public Decision evaluate(ActionContext context, String packagePrefix) {
        Evaluated evaluated;
        if (cache == null) {
            evaluated = evaluateNow(context, packagePrefix);
        } else {
            Object key = cache.key(context, packagePrefix);
            Decision cached = cache.find(key, DecisionIds.next(), revision());
            if (cached != null) {
                return cached;
            }
            evaluated = evaluateNow(context, packagePrefix);
            if (evaluated.repeatable()) {
                cache.keep(key, evaluated.decision());
            }
        }
        if (evaluated.cutOff()) {
            cutOffCount.increment();
        }
        return evaluated.decision();
    }

    /**
     * A decision made with the rules; whether the budget cut its evaluation off; and whether the same
     * context would get it again, which it would not when cut off or ended by the JVM (a stack
     * overflow, no memory left): such an outcome depends on more than the rules.
     */
    public record Result(Decision decision, boolean cutOff, boolean repeatable) {
    }

    /**
     * Decides as {@link #evaluate(ActionContext, String)} does, but always with the rules (never from the
     * cache, whose contents it leaves alone), saying how the evaluation ended; not counted in
     * {@link #cutOffEvaluations()}. For rule tests.
     */
    public Result evaluateWithRules(ActionContext context, String packagePrefix) {
        return evaluateWithRules(context, packagePrefix, null);
    }

    /**
     * As {@link #evaluateWithRules(ActionContext, String)}, the rules seeing {@code data} as their
     * {@code data} (null: the bundle's own documents). The evaluation has a session of its own, made for
     * it and disposed after it, so no other evaluation, before, after or at the same time, sees these
     * documents. For rule tests that replace data values ({@link BundleData#overriddenBy}).
     */
    public Result evaluateWithRules(ActionContext context, String packagePrefix, BundleData data) {
        Evaluated evaluated = evaluateNow(context, packagePrefix, data);
        return new Result(evaluated.decision(), evaluated.cutOff(), evaluated.repeatable());
    }

    /** The bytes the decisions this policy remembers are counted at now ({@link CacheBounds}); 0 with the cache off. */
    public long cachedBytes() {
        return cache == null ? 0 : cache.bytes();
    }

    /** The decisions this policy remembers now. */
    public int cachedDecisions() {
        return cache == null ? 0 : cache.entries();
    }

    /** How long one evaluation may run before it is cut off. */
    public Duration maxEvaluationTime() {
        return maxEvaluationTime;
    }

    /** The decisions {@link #evaluate} answered as cut off at the budget, since this policy was compiled. */
    public long cutOffEvaluations() {
        return cutOffCount.sum();
    }

    /**
     * A decision the rules made; whether the budget cut its evaluation off; and whether the same context
     * would get it again: not when cut off, nor when the JVM ended the evaluation (a stack overflow
     * depends on the thread's stack, a lack of memory on everything else the JVM holds).
     */
    record Evaluated(Decision decision, boolean cutOff, boolean repeatable) {
    }

    /**
     * Evaluates with the rules, never answering from the cache. An evaluation cut off within
     * {@value #RETRY_WITHIN_BUDGETS} budgets is made once more, with a budget of the thread's CPU time:
     * a pause of the JVM or a wait for a core can stretch one evaluation past its budget, and is not
     * counted against the second; rules that run away are cut off again. Longer work is not repeated.
     */
    Evaluated evaluateNow(ActionContext context, String packagePrefix) {
        return evaluateNow(context, packagePrefix, null);
    }

    private Evaluated evaluateNow(ActionContext context, String packagePrefix, BundleData data) {
        long started = System.nanoTime();
        Evaluated first = attempt(context, packagePrefix, data, false);
        if (!first.cutOff() || System.nanoTime() - started >= retryWithinNanos) {
            return first;
        }
        return attempt(context, packagePrefix, data, true);
    }

    /** One evaluation, in a pooled session, or with {@code data} (not null) in a session of its own that is never pooled. */
    private Evaluated attempt(ActionContext context, String packagePrefix, BundleData data, boolean cpuTime) {
        KieSession session = data == null ? sessions.borrow() : newSession(data);
        Evaluation evaluation = Evaluation.begin(context, rules, budgetNanos, cpuTime);
        boolean reusable = false;
        Throwable failure = null;
        try {
            FactHandle[] handles = new FactHandle[inserted.length + (flat ? 1 : 0)];
            for (int i = 0; i < inserted.length; i++) {
                Object fact = inserted[i].of(context);
                if (fact != null) {
                    handles[i] = session.insert(fact);
                }
            }
            if (flat) {
                handles[inserted.length] = session.insert(new FlatContext(context));
            }
            int fired = session.fireAllRules(match -> {
                evaluation.checkBudget(match); // before each firing: a rule that fires again and again is stopped here
                return packagePrefix.isEmpty() || alwaysRules.contains(match.getRule()) || rules.get(match.getRule()).inScope(packagePrefix);
            }, MAX_FIRINGS);
            for (FactHandle handle : handles) {
                if (handle != null) {
                    session.delete(handle);
                }
            }
            if (fired >= MAX_FIRINGS) {
                failure = new IllegalStateException("rules fired more than " + MAX_FIRINGS + " times; they may loop");
            } else if (session.getFactCount() != 0) {
                failure = new IllegalStateException("a rule left facts in the session; consequences may only say allow, deny or requireApproval");
            } else {
                reusable = true;
            }
        } catch (RuntimeException | Error e) {
            // An Error is a rule's too: a stack overflow, no memory left, or a LinkageError (compiled rule code
            // reached for a class the sandbox refuses). It ends this evaluation, never the caller's thread.
            failure = e;
        } finally {
            evaluation.end();
            boolean spent = evaluation.spent(null); // the last check: work that never reached one is cut off here
            if (reusable && !spent && data == null) {
                sessions.release(session);
            } else {
                dispose(session);
            }
        }
        if (evaluation.cutOff()) {
            Reason reason = failures.budgetExceeded(evaluation, failure, packagePrefix, budgetExceeded);
            return new Evaluated(new Decision(DecisionIds.next(), Verdict.DENY, List.of(reason), null, revision()), true, false);
        }
        return new Evaluated(decide(evaluation, failure, packagePrefix), false, !(failure instanceof VirtualMachineError));
    }

    /**
     * Evaluates, once, a context with every part present and empty, so that what the engine does on
     * first use (loading rule classes, preparing conditions) is not paid by a first decision; within the
     * budget, the outcome dropped and not counted.
     */
    void warmUp() {
        evaluateNow(WARM_UP, "");
    }

    private static String millis(Duration d) {
        return BigDecimal.valueOf(d.toNanos(), 6).stripTrailingZeros().toPlainString();
    }

    /** Disposes a session an evaluation may have left in any state; one that cannot even be disposed is dropped. */
    private static void dispose(KieSession session) {
        try {
            session.dispose();
        } catch (RuntimeException | Error e) {
            // never pooled again: the collector takes what is left of it
        }
    }

    /** Frees pooled sessions; evaluations already running finish normally. Called when a newer policy takes over. */
    public void retire() {
        sessions.retire();
    }

    private Decision decide(Evaluation evaluation, Throwable failure, String scope) {
        String id = DecisionIds.next();
        if (failure != null) {
            return new Decision(id, Verdict.DENY, List.of(failures.of(evaluation, failure, scope)), null, revision());
        }
        List<Evaluation.Outcome> outcomes = evaluation.outcomes;
        if (outcomes.isEmpty()) {
            Verdict verdict = bundle.defaultVerdict();
            Reason reason = new Reason(Reason.DEFAULT_RULE, scope, verdict,
                    "no rule matched; the bundle's default verdict is " + verdict, null);
            return new Decision(id, verdict, List.of(reason), null, revision());
        }
        if (outcomes.size() > 1) {
            outcomes.sort(OUTCOME_ORDER);
        }
        Verdict verdict = outcomes.get(0).verdict();
        ApprovalRequirement approval = null;
        List<Reason> reasons = new ArrayList<>(outcomes.size());
        Evaluation.Outcome previous = null;
        for (Evaluation.Outcome o : outcomes) {
            if (o.approval() != null) {
                approval = approval == null ? o.approval() : approval.merge(o.approval());
            }
            if (previous != null && previous.rule() == o.rule() && previous.verdict() == o.verdict()
                    && java.util.Objects.equals(previous.message(), o.message())) {
                continue; // the same rule said the same twice (it matched twice)
            }
            reasons.add(new Reason(o.rule().name(), o.rule().packageName(), o.verdict(), o.message() == null ? "" : o.message(),
                    o.rule().source(), o.rule().controls()));
            previous = o;
        }
        return new Decision(id, verdict, reasons, verdict == Verdict.NEEDS_APPROVAL ? approval : null, revision());
    }

    private KieSession newSession() {
        return newSession(bundle.data());
    }

    private KieSession newSession(BundleData data) {
        KieSession session = kieBase.newKieSession(sessionConfiguration, null);
        session.setGlobal("data", data);
        ((RuleEventManager) session).addEventListener(Evaluation.CONSEQUENCE_ENDS);
        return session;
    }

}
