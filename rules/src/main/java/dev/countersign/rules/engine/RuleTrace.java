package dev.countersign.rules.engine;

import dev.countersign.rules.engine.ExplainedRule.Absence;
import dev.countersign.rules.engine.ExplainedRule.Constraint;
import dev.countersign.rules.engine.ExplainedRule.Element;
import dev.countersign.rules.engine.ExplainedRule.PartPattern;
import dev.countersign.rules.engine.ExplainedRule.SourcePattern;
import dev.countersign.rules.engine.ExplainedRule.Unexplained;
import dev.countersign.rules.explain.ConditionExplanation;
import dev.countersign.rules.explain.ConstraintExplanation;
import dev.countersign.rules.explain.Outcome;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * One walk through an {@link ExplainedRule}'s conditions for one action context, in written order:
 * each pattern is matched against its part (or each value of its source), each constraint evaluated
 * ({@link ConditionEvaluator}), and the bindings carried on to the conditions after it. A part sends
 * one fact, so a binding is known whenever its part was sent, whether or not its constraint held;
 * one made by a condition not explained, or by a pattern over a source (which may match several
 * values), is not, and what reads it is not evaluated.
 */
final class RuleTrace {
    private final ConditionEvaluator evaluator;

    private RuleTrace(ConditionEvaluator evaluator) {
        this.evaluator = evaluator;
    }

    /** Each condition of {@code rule}, explained against {@code context}, with {@code data} as the global {@code data}. */
    static List<ConditionExplanation> explain(ExplainedRule rule, ActionContext context, Object data) {
        return new RuleTrace(rule.evaluator).explain(rule.elements, rule.anchor, context, data);
    }

    private List<ConditionExplanation> explain(List<Element> elements, int anchor, ActionContext context, Object data) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("data", data);
        Map<String, String> unbound = new HashMap<>();
        List<ConditionExplanation> out = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            Element e = elements.get(i);
            boolean isAnchor = i == anchor;
            if (e instanceof PartPattern p) {
                out.add(pattern(p, isAnchor, context, variables, unbound));
            } else if (e instanceof SourcePattern sp) {
                out.add(source(sp, variables, unbound));
                sp.bindings().forEach(b -> unbound.put(b, "bound by a pattern over a source, which may match more than one value"));
            } else if (e instanceof Absence a) {
                out.add(absence(a, context, new HashMap<>(variables), new HashMap<>(unbound)));
            } else {
                Unexplained u = (Unexplained) e;
                u.bindings().forEach(b -> unbound.put(b, "bound by a condition that is not explained"));
                out.add(new ConditionExplanation(u.text(), u.line(), u.column(), false, Outcome.NOT_EXPLAINED, u.why(), List.of()));
            }
        }
        return out;
    }

    private ConditionExplanation pattern(PartPattern p, boolean isAnchor, ActionContext context, Map<String, Object> variables,
                                         Map<String, String> unbound) {
        Object fact = p.part().of(context);
        if (fact == null) {
            String why = "its part was not sent (no " + partName(p.part()) + ")";
            if (p.identifier() != null) {
                unbound.put(p.identifier(), why);
            }
            for (Constraint c : p.constraints()) {
                if (c.tree() != null) {
                    bindingsOf(c.text()).forEach(b -> unbound.put(b, why));
                }
            }
            return new ConditionExplanation(p.text(), p.line(), p.column(), isAnchor, Outcome.FAILED,
                    "no " + partName(p.part()) + " was sent", List.of());
        }
        if (p.identifier() != null) {
            variables.put(p.identifier(), fact);
            unbound.remove(p.identifier());
        }
        List<ConstraintExplanation> constraints = new ArrayList<>();
        for (Constraint c : p.constraints()) {
            constraints.add(constraint(c, fact, variables, unbound));
        }
        Outcome outcome = together(constraints.stream().map(ConstraintExplanation::outcome).toList());
        return new ConditionExplanation(p.text(), p.line(), p.column(), isAnchor, outcome, null, constraints);
    }

    private ConstraintExplanation constraint(Constraint c, Object fact, Map<String, Object> variables, Map<String, String> unbound) {
        if (c.unexplained() != null) {
            bindingsOf(c.text()).forEach(b -> unbound.put(b, "bound by a constraint that is not explained"));
            return new ConstraintExplanation(c.text(), c.line(), c.column(), Outcome.NOT_EXPLAINED, Map.of(), c.unexplained());
        }
        for (String v : c.variables()) {
            String why = unbound.get(v);
            if (why != null && !bindingsOf(c.text()).contains(v)) {
                return new ConstraintExplanation(c.text(), c.line(), c.column(), Outcome.NOT_EVALUATED, Map.of(), v + " is " + why);
            }
        }
        ConditionEvaluator.Result r = evaluator.evaluate(c.tree(), fact, variables);
        bindingsOf(c.text()).forEach(unbound::remove);
        return new ConstraintExplanation(c.text(), c.line(), c.column(), r.outcome(), r.values(), r.message());
    }

    /**
     * A pattern over a source: held when some value it yields is of the pattern's type and meets every
     * constraint; the constraints shown are those of the first value that does, else of the first value.
     */
    private ConditionExplanation source(SourcePattern p, Map<String, Object> variables, Map<String, String> unbound) {
        for (String v : variablesOf(p.source())) {
            if (unbound.containsKey(v)) {
                return new ConditionExplanation(p.text(), p.line(), p.column(), false, Outcome.NOT_EVALUATED,
                        v + " is " + unbound.get(v), List.of());
            }
        }
        Object value;
        try {
            value = evaluator.value(p.source(), variables);
        } catch (RuntimeException e) {
            return new ConditionExplanation(p.text(), p.line(), p.column(), false, Outcome.ERROR, ConditionEvaluator.cause(e), List.of());
        }
        List<Object> items = new ArrayList<>();
        if (value instanceof Iterable<?> iterable) {
            iterable.forEach(items::add);
        } else if (value != null) {
            items.add(value);
        }
        String read = p.source() + " is " + dev.countersign.rules.explain.Values.show(value);
        List<ConstraintExplanation> first = null;
        for (Object item : items) {
            if (!p.type().isInstance(item)) {
                continue;
            }
            List<ConstraintExplanation> constraints = new ArrayList<>();
            Map<String, Object> own = new HashMap<>(variables);
            for (Constraint c : p.constraints()) {
                constraints.add(constraint(c, item, own, new HashMap<>(unbound)));
            }
            Outcome outcome = together(constraints.stream().map(ConstraintExplanation::outcome).toList());
            if (outcome == Outcome.HELD) {
                return new ConditionExplanation(p.text(), p.line(), p.column(), false, Outcome.HELD,
                        read + "; " + dev.countersign.rules.explain.Values.show(item) + " meets the constraints", constraints);
            }
            if (outcome != Outcome.FAILED) {
                return new ConditionExplanation(p.text(), p.line(), p.column(), false, outcome,
                        read + "; for " + dev.countersign.rules.explain.Values.show(item) + " a constraint is " + outcome.label(), constraints);
            }
            if (first == null) {
                first = constraints;
            }
        }
        String none = first == null ? "; it yields no " + p.type().getSimpleName() : "; no value meets the constraints";
        return new ConditionExplanation(p.text(), p.line(), p.column(), false, Outcome.FAILED, read + none,
                first == null ? List.of() : first);
    }

    /** {@code part} with its indefinite article: "an actor", "a target". */
    private static String article(String part) {
        return ("aeiou".indexOf(part.charAt(0)) >= 0 ? "an " : "a ") + part;
    }

    private static Set<String> variablesOf(String expression) {
        Set<String> variables = new LinkedHashSet<>();
        Matcher v = ExplainedRule.VARIABLE.matcher(ExplainedRule.strip(expression));
        while (v.find()) {
            variables.add(v.group(1));
        }
        return variables;
    }

    private ConditionExplanation absence(Absence a, ActionContext context, Map<String, Object> variables, Map<String, String> unbound) {
        ConditionExplanation inner;
        String part;
        boolean unconstrained;
        if (a.pattern() instanceof PartPattern p) {
            inner = pattern(p, false, context, variables, unbound);
            part = partName(p.part());
            unconstrained = p.constraints().isEmpty();
        } else {
            inner = source((SourcePattern) a.pattern(), variables, unbound);
            part = null;
            unconstrained = false;
        }
        Outcome outcome;
        String message;
        if (inner.outcome() == Outcome.HELD) {
            outcome = a.exists() ? Outcome.HELD : Outcome.FAILED;
            message = part == null ? inner.message() : unconstrained ? article(part) + " was sent" : article(part) + " was sent and its constraints hold";
        } else if (inner.outcome() == Outcome.FAILED) {
            outcome = a.exists() ? Outcome.FAILED : Outcome.HELD;
            message = inner.message() != null ? inner.message() : "the " + part + " sent does not meet the constraints";
        } else {
            outcome = inner.outcome();
            message = "its pattern is " + inner.outcome().label();
        }
        return new ConditionExplanation(a.text(), a.line(), a.column(), false, outcome, message, inner.constraints());
    }

    /** Error first, then failed, not explained, not evaluated; held when each held (or there is none). */
    static Outcome together(List<Outcome> outcomes) {
        if (outcomes.contains(Outcome.ERROR)) {
            return Outcome.ERROR;
        }
        if (outcomes.contains(Outcome.FAILED)) {
            return Outcome.FAILED;
        }
        if (outcomes.contains(Outcome.NOT_EXPLAINED)) {
            return Outcome.NOT_EXPLAINED;
        }
        if (outcomes.contains(Outcome.NOT_EVALUATED)) {
            return Outcome.NOT_EVALUATED;
        }
        return Outcome.HELD;
    }

    private static Set<String> bindingsOf(String constraint) {
        return ExplainedRule.bindings(constraint);
    }

    static String partName(Part part) {
        return switch (part) {
            case ACTOR -> "actor";
            case ACTION -> "action";
            case RESOURCE -> "resource";
            case TARGET -> "target";
            case CONTEXT -> "context";
            case ACTION_CONTEXT -> "action context";
        };
    }
}
