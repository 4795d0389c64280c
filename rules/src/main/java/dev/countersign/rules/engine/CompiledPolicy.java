package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.kie.api.KieServices;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionConfiguration;
import org.kie.api.runtime.conf.ThreadSafeOption;
import org.kie.api.runtime.rule.FactHandle;

/**
 * A bundle compiled and ready to decide. Immutable and safe to evaluate from many threads at once:
 * each evaluation borrows a session of its own from a pool, inserts the parts of the context some
 * rule matches as facts, fires, and removes them. Evaluation is pure: the same context and revision
 * give the same verdict and reasons, so a context decided before is answered from a bounded cache
 * (with a new decision id) unless the cache is off. A rule that throws (in a condition or a
 * consequence), the JVM's own errors (a stack overflow, no memory left) included, ends the evaluation
 * as deny with one {@code error} reason naming it ({@link FailureReasons}); what other rules said is
 * discarded, the session is disposed, and a decision the JVM's errors ended is not cached.
 */
public final class CompiledPolicy {
    /** Firings beyond this end the evaluation as an error: rules that loop would never answer. */
    static final int MAX_FIRINGS = 10_000;

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
    private final SessionPool sessions;
    private final KieSessionConfiguration sessionConfiguration;
    private final List<RuleRef> ruleList;
    private final Set<String> packages;
    private final DecisionCache cache;

    /**
     * A policy deciding with {@code kieBase}; {@code rules} says where each rule is written,
     * {@code constraints} which rule a condition's text is first written in, {@code ruleClasses} which
     * rule each class Drools generated for rule code comes from.
     */
    CompiledPolicy(PolicyBundle bundle, InternalKnowledgeBase kieBase, Map<Rule, RuleRef> rules, Map<String, RuleRef> constraints,
                   Map<String, RuleRef> ruleClasses, Set<Part> inserted, int cacheSize) {
        this.bundle = bundle;
        this.kieBase = kieBase;
        this.rules = rules;
        this.inserted = inserted.toArray(new Part[0]);
        this.sessionConfiguration = KieServices.get().newKieSessionConfiguration();
        this.sessionConfiguration.setOption(ThreadSafeOption.NO);
        this.sessions = new SessionPool(this::newSession);
        this.ruleList = rules.values().stream()
                .sorted(Comparator.comparing(RuleRef::file).thenComparingInt(RuleRef::line).thenComparing(RuleRef::name))
                .toList();
        this.packages = new TreeSet<>(rules.values().stream().map(RuleRef::packageName).toList());
        this.failures = new FailureReasons(rules, ruleList, constraints, ruleClasses);
        this.cache = cacheSize > 0 ? new DecisionCache(cacheSize) : null;
    }

    public PolicyBundle bundle() {
        return bundle;
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
     * ("" for all); with no such rule matching, the bundle's default verdict applies.
     */
    public Decision evaluate(ActionContext context, String packagePrefix) {
        if (cache == null) {
            return evaluateNow(context, packagePrefix).decision();
        }
        Object key = cache.key(context, packagePrefix);
        Decision cached = cache.find(key, DecisionIds.next(), revision());
        if (cached != null) {
            return cached;
        }
        Evaluated evaluated = evaluateNow(context, packagePrefix);
        if (evaluated.repeatable()) {
            cache.keep(key, evaluated.decision());
        }
        return evaluated.decision();
    }

    /**
     * A decision the rules made, and whether the same context would get it again: not when the JVM
     * ended the evaluation (a stack overflow depends on the thread's stack, a lack of memory on
     * everything else the JVM holds).
     */
    record Evaluated(Decision decision, boolean repeatable) {
    }

    /** Evaluates with the rules, never answering from the cache. */
    Evaluated evaluateNow(ActionContext context, String packagePrefix) {
        Evaluation evaluation = Evaluation.begin(context, rules);
        KieSession session = sessions.borrow();
        boolean reusable = false;
        Throwable failure = null;
        try {
            FactHandle[] handles = new FactHandle[inserted.length];
            for (int i = 0; i < inserted.length; i++) {
                Object fact = inserted[i].of(context);
                if (fact != null) {
                    handles[i] = session.insert(fact);
                }
            }
            int fired = packagePrefix.isEmpty()
                    ? session.fireAllRules(MAX_FIRINGS)
                    : session.fireAllRules(match -> rules.get(match.getRule()).inScope(packagePrefix), MAX_FIRINGS);
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
            if (reusable) {
                sessions.release(session);
            } else {
                dispose(session);
            }
        }
        return new Evaluated(decide(evaluation, failure, packagePrefix), !(failure instanceof VirtualMachineError));
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
                    o.rule().source()));
            previous = o;
        }
        return new Decision(id, verdict, reasons, verdict == Verdict.NEEDS_APPROVAL ? approval : null, revision());
    }

    private KieSession newSession() {
        KieSession session = kieBase.newKieSession(sessionConfiguration, null);
        session.setGlobal("data", bundle.data());
        session.addEventListener(Evaluation.CONSEQUENCE_ENDS);
        return session;
    }

}
