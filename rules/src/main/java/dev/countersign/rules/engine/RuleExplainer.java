package dev.countersign.rules.engine;

import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.explain.ConditionExplanation;
import dev.countersign.rules.explain.ConditionRef;
import dev.countersign.rules.explain.Explanation;
import dev.countersign.rules.explain.Outcome;
import dev.countersign.rules.explain.RuleExplanation;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

/**
 * Explains decisions of one {@link CompiledPolicy}: for each rule, which of its conditions held and
 * which failed, with the values they read. A separate, slower evaluation, one condition at a time
 * ({@link ConditionEvaluator}), made only when asked, never on the path of a decision; what fired and
 * the verdict are always the real evaluation's, and a rule whose explanation disagrees with it says so.
 * Built from the rule files as written (parsed again, the compiled policy having accepted them).
 * Thread-safe.
 */
public final class RuleExplainer {
    private final CompiledPolicy policy;
    private final List<ExplainedRule> rules;

    RuleExplainer(CompiledPolicy policy, ClassLoader loader) {
        this.policy = policy;
        Map<String, RuleRef> refs = new HashMap<>();
        for (RuleRef r : policy.rules()) {
            refs.put(r.packageName() + '\u0000' + r.name(), r);
        }
        Set<String> functions = new HashSet<>();
        Set<String> types = new HashSet<>();
        List<PackageDescr> parsed = new ArrayList<>();
        for (SourceFile file : policy.bundle().ruleFiles()) {
            PackageDescr descr = parse(file);
            parsed.add(descr);
            descr.getFunctions().forEach(f -> functions.add(f.getName()));
            descr.getClassAndEnumDeclarationDescrs().forEach(t -> types.add(t.getTypeName()));
        }
        List<ExplainedRule> explained = new ArrayList<>();
        for (int i = 0; i < parsed.size(); i++) {
            PackageDescr descr = parsed.get(i);
            String text = policy.bundle().ruleFiles().get(i).text();
            ConditionEvaluator evaluator = new ConditionEvaluator(loader, descr.getImports());
            for (RuleDescr rule : descr.getRules()) {
                RuleRef ref = rule.isQuery() ? null : refs.get(descr.getNamespace() + '\u0000' + rule.getName());
                if (ref != null) {
                    explained.add(ExplainedRule.of(ref, rule, text, functions, types, evaluator));
                }
            }
        }
        explained.sort((a, b) -> policy.rules().indexOf(a.ref) - policy.rules().indexOf(b.ref));
        this.rules = List.copyOf(explained);
    }

    private static PackageDescr parse(SourceFile file) {
        DrlParser parser = new DrlParser();
        try {
            PackageDescr descr = parser.parse(false, file.text());
            if (descr == null || parser.hasErrors()) {
                throw new IllegalStateException(file.path() + " compiled but does not parse again: " + parser.getErrors());
            }
            return descr;
        } catch (DroolsParserException e) {
            throw new IllegalStateException(file.path() + " compiled but does not parse again", e);
        }
    }

    /** The conditions of every rule, by rule (file and line) and written order, as coverage counts them ({@link ConditionRef}). */
    public List<ConditionRef> conditions() {
        List<ConditionRef> out = new ArrayList<>();
        for (ExplainedRule rule : rules) {
            for (int i = 0; i < rule.elements.size(); i++) {
                ExplainedRule.Element e = rule.elements.get(i);
                if (e instanceof ExplainedRule.PartPattern p && !p.constraints().isEmpty()) {
                    for (int k = 0; k < p.constraints().size(); k++) {
                        ExplainedRule.Constraint c = p.constraints().get(k);
                        out.add(new ConditionRef(rule.ref, i, k, e.text(), c.text(), c.line(), c.column(), c.unexplained()));
                    }
                } else {
                    String why = e instanceof ExplainedRule.Unexplained u ? u.why() : null;
                    out.add(new ConditionRef(rule.ref, i, -1, e.text(), e.text(), e.line(), e.column(), why));
                }
            }
        }
        return out;
    }

    /**
     * Explains {@code decision}, which this policy made for {@code context} in {@code scope} (a
     * package prefix, "" for all): the rules of the scope whose anchor held (or failed with an error),
     * those without an anchor whose first pattern's part was sent, those with no pattern on a part,
     * and those that fired (in the scope or not: a rule that spoke in the decision is always shown).
     */
    public Explanation explain(ActionContext context, String scope, Decision decision) {
        return explain(context, scope, decision, false, policy.bundle().data());
    }

    /**
     * As {@link #explain}, but every rule of the scope, whatever its anchor found, its conditions reading
     * {@code data} (the bundle's, or a rule-test case's values put in): for coverage.
     */
    public Explanation explainEvery(ActionContext context, String scope, Decision decision, BundleData data) {
        return explain(context, scope, decision, true, data);
    }

    private Explanation explain(ActionContext context, String scope, Decision decision, boolean every, BundleData data) {
        String failure = null;
        Set<String> fired = new HashSet<>();
        for (Reason r : decision.reasons()) {
            if (Reason.ERROR_RULE.equals(r.rule())) {
                failure = r.message();
            } else if (!Reason.DEFAULT_RULE.equals(r.rule())) {
                fired.add(r.packageName() + '\u0000' + r.rule());
            }
        }
        List<RuleExplanation> out = new ArrayList<>();
        for (ExplainedRule rule : rules) {
            boolean didFire = fired.contains(rule.ref.packageName() + '\u0000' + rule.ref.name());
            if (!didFire && !policy.decidesIn(rule.ref, scope)) {
                continue;
            }
            if (!every && !didFire && !relevant(rule, context)) {
                continue;
            }
            List<ConditionExplanation> conditions = RuleTrace.explain(rule, context, data);
            if (!every && !didFire && rule.anchor >= 0) {
                Outcome anchor = conditions.get(rule.anchor).outcome();
                if (anchor != Outcome.HELD && anchor != Outcome.ERROR) {
                    continue;
                }
            }
            Outcome outcome = RuleTrace.together(conditions.stream().map(ConditionExplanation::outcome).toList());
            out.add(new RuleExplanation(rule.ref, didFire, outcome, conditions, note(didFire, outcome, failure)));
        }
        return new Explanation(decision, scope, failure, out);
    }

    /** Whether a rule without an anchor is worth explaining for {@code context}: its first pattern's part was sent, or it has none. */
    private static boolean relevant(ExplainedRule rule, ActionContext context) {
        if (rule.anchor >= 0 || rule.firstPattern < 0) {
            return true;
        }
        return ((ExplainedRule.PartPattern) rule.elements.get(rule.firstPattern)).part().of(context) != null;
    }

    private static String note(boolean fired, Outcome outcome, String failure) {
        if (failure != null) {
            return null;   // the evaluation failed: no rule's verdict counted, and the explanation cannot be checked against it
        }
        if (fired && outcome == Outcome.FAILED) {
            return "the rule fired although a condition was found false here; the evaluation, which decided, is authoritative";
        }
        if (!fired && outcome == Outcome.HELD) {
            return "every condition was found true here, yet the rule did not fire; the evaluation, which decided, is authoritative";
        }
        return null;
    }
}
