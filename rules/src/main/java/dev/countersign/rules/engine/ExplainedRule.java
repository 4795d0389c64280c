package dev.countersign.rules.engine;

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
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.ConstraintConnectiveDescr;
import org.drools.drl.ast.descr.EvalDescr;
import org.drools.drl.ast.descr.ExistsDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.ForallDescr;
import org.drools.drl.ast.descr.FromDescr;
import org.drools.drl.ast.descr.MVELExprDescr;
import org.drools.drl.ast.descr.NotDescr;
import org.drools.drl.ast.descr.OrDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlExprParser;
import org.drools.drl.parser.DrlExprParserFactory;
import org.kie.internal.builder.conf.LanguageLevelOption;

/**
 * A rule as explanations see it: its top-level conditions in written order, each a pattern on a part
 * (with its constraints parsed), a {@code not} or {@code exists} of one such pattern, or a condition
 * shown as not explained (accumulate, collect, from, eval, or, forall, patterns of declared types,
 * constraints that call the bundle's functions). Which pattern is the anchor is what
 * {@link AnchorPlanner#anchorOf} chooses. Immutable once built.
 */
final class ExplainedRule {
    private static final Pattern VARIABLE = Pattern.compile("(?<![\\w.])(\\$[A-Za-z_]\\w*)");
    private static final Pattern WORD_CALL = Pattern.compile("(?<![\\w.$])([A-Za-z_]\\w*)\\s*\\(");
    private static final Pattern BOUND = Pattern.compile("(\\$[A-Za-z_]\\w*)\\s*:(?!=)");

    final RuleRef ref;
    final List<Element> elements;
    /** Index of the anchor among {@link #elements}; -1 when the rule has none. */
    final int anchor;
    /** Index of the first pattern on a part; -1 when there is none. */
    final int firstPattern;
    private final ConditionEvaluator evaluator;

    /** One constraint of a pattern; {@code unexplained} says why it is not evaluated, or is null. */
    record Constraint(String text, int line, int column, ConstraintConnectiveDescr tree, Set<String> variables, String unexplained) {
    }

    /** A top-level condition of the rule. */
    interface Element {
        String text();

        int line();

        int column();
    }

    /** {@code [$x :] Part( constraints )}. */
    record PartPattern(String text, int line, int column, Part part, String identifier, List<Constraint> constraints) implements Element {
    }

    /** {@code [$x :] Type( constraints ) from source}: held when some value the source yields is of the type and meets them. */
    record SourcePattern(String text, int line, int column, Class<?> type, String source, List<Constraint> constraints,
                         Set<String> bindings) implements Element {
    }

    /** {@code not P} ({@code exists} false) or {@code exists P}, where P is a {@link PartPattern} or a {@link SourcePattern}. */
    record Absence(String text, int line, int column, boolean exists, Element pattern) implements Element {
    }

    /** A condition the explanation shows as it is written, with why it is not explained and the bindings it makes. */
    record Unexplained(String text, int line, int column, String why, Set<String> bindings) implements Element {
    }

    private ExplainedRule(RuleRef ref, List<Element> elements, int anchor, int firstPattern, ConditionEvaluator evaluator) {
        this.ref = ref;
        this.elements = List.copyOf(elements);
        this.anchor = anchor;
        this.firstPattern = firstPattern;
        this.evaluator = evaluator;
    }

    /** {@code rule} of a file whose text is {@code text}; {@code functions} and {@code types} are the bundle's own names. */
    static ExplainedRule of(RuleRef ref, RuleDescr rule, String text, Set<String> functions, Set<String> types, ConditionEvaluator evaluator) {
        AndDescr lhs = rule.getLhs();
        List<Element> elements = new ArrayList<>();
        int anchor = -1;
        int first = -1;
        if (lhs != null) {
            PatternDescr anchorPattern = AnchorPlanner.anchorOf(lhs);
            for (BaseDescr d : lhs.getDescrs()) {
                if (d == anchorPattern) {
                    anchor = elements.size();
                }
                Element e = element(d, text, functions, types, evaluator);
                if (first < 0 && e instanceof PartPattern) {
                    first = elements.size();
                }
                elements.add(e);
            }
        }
        return new ExplainedRule(ref, elements, anchor, first, evaluator);
    }

    private static Element element(BaseDescr d, String text, Set<String> functions, Set<String> types, ConditionEvaluator evaluator) {
        String shown = shown(d, text);
        if (d instanceof PatternDescr p) {
            if (AnchorPlanner.isPlainPartPattern(p)) {
                return pattern(p, shown, text, functions, types);
            }
            Element source = sourcePattern(p, shown, text, functions, types, evaluator);
            if (source != null) {
                return source;
            }
            String why = p.getSource() instanceof AccumulateDescr ? "accumulate is not explained"
                    : p.getSource() != null ? "a pattern over another source is not explained"
                    : Part.forTypeName(p.getObjectType()) == null ? "a pattern on " + p.getObjectType() + " is not explained"
                    : "this form of pattern is not explained";
            return new Unexplained(shown, d.getLine(), column(d), why, bindings(shown));
        }
        if ((d instanceof NotDescr || d instanceof ExistsDescr) && d instanceof org.drools.drl.ast.descr.ConditionalElementDescr ce
                && ce.getDescrs().size() == 1 && ce.getDescrs().get(0) instanceof PatternDescr inner) {
            Element p = AnchorPlanner.isPlainPartPattern(inner) ? pattern(inner, shown(inner, text), text, functions, types)
                    : sourcePattern(inner, shown(inner, text), text, functions, types, evaluator);
            if (p != null) {
                return new Absence(shown, d.getLine(), column(d), d instanceof ExistsDescr, p);
            }
        }
        String why = d instanceof EvalDescr ? "eval is Java code, which is not explained"
                : d instanceof OrDescr ? "or is not explained"
                : d instanceof ForallDescr ? "forall is not explained"
                : d instanceof NotDescr ? "not over more than one plain pattern is not explained"
                : d instanceof ExistsDescr ? "exists over more than one plain pattern is not explained"
                : "this form of condition is not explained";
        return new Unexplained(shown, d.getLine(), column(d), why, bindings(shown));
    }

    /** {@code p} as a {@link SourcePattern}, or null when it is not a plain {@code from} over a type the rules can name. */
    private static SourcePattern sourcePattern(PatternDescr p, String shown, String text, Set<String> functions, Set<String> types,
                                               ConditionEvaluator evaluator) {
        if (!(p.getSource() instanceof FromDescr from) || !(from.getDataSource() instanceof MVELExprDescr source)
                || !p.getBehaviors().isEmpty() || types.contains(p.getObjectType())) {
            return null;
        }
        Class<?> type = evaluator.type(p.getObjectType());
        Matcher call = WORD_CALL.matcher(strip(source.getExpression()));
        while (call.find()) {
            if (functions.contains(call.group(1))) {
                return null;
            }
        }
        if (type == null) {
            return null;
        }
        List<Constraint> constraints = constraints(p, functions, types);
        Set<String> bindings = bindings(shown);
        if (p.getIdentifier() != null) {
            bindings.add(p.getIdentifier());
        }
        return new SourcePattern(shown, p.getLine(), column(p), type, source.getExpression().trim(), constraints, bindings);
    }

    private static PartPattern pattern(PatternDescr p, String shown, String text, Set<String> functions, Set<String> types) {
        return new PartPattern(shown, p.getLine(), column(p), Part.forTypeName(p.getObjectType()), p.getIdentifier(),
                constraints(p, functions, types));
    }

    private static List<Constraint> constraints(PatternDescr p, Set<String> functions, Set<String> types) {
        List<Constraint> constraints = new ArrayList<>();
        for (BaseDescr c : p.getDescrs()) {
            String expression = c instanceof ExprConstraintDescr e ? e.getExpression() : c.getText();
            String why = null;
            ConstraintConnectiveDescr tree = null;
            String code = strip(expression == null ? "" : expression);
            Matcher call = WORD_CALL.matcher(code);
            while (why == null && call.find()) {
                if (functions.contains(call.group(1))) {
                    why = "calls the function " + call.group(1) + ", which is not explained";
                }
            }
            for (String type : types) {
                if (why == null && Pattern.compile("(?<![\\w.$])" + Pattern.quote(type) + "(?![\\w$])").matcher(code).find()) {
                    why = "uses the declared type " + type + ", which is not explained";
                }
            }
            if (why == null) {
                DrlExprParser parser = DrlExprParserFactory.getDrlExprParser(LanguageLevelOption.DRL6);
                tree = expression == null ? null : parser.parse(expression);
                if (tree == null || parser.hasErrors()) {
                    why = "this constraint is not explained";
                    tree = null;
                }
            }
            Set<String> variables = new LinkedHashSet<>();
            Matcher v = VARIABLE.matcher(code);
            while (v.find()) {
                variables.add(v.group(1));
            }
            constraints.add(new Constraint(expression == null ? "" : expression.trim(), c.getLine(), column(c), tree, variables, why));
        }
        return constraints;
    }

    /** The 1-based column {@code d} starts at (the parser counts from 0); 0 when unknown. */
    private static int column(BaseDescr d) {
        return d.getColumn() >= 0 ? d.getColumn() + 1 : 0;
    }

    /** The condition as written, its spaces and line breaks collapsed. */
    private static String shown(BaseDescr d, String text) {
        int start = d.getStartCharacter();
        int end = d.getEndCharacter();
        if (start < 0 || end <= start || end > text.length()) {
            return d.getText() == null ? d.toString() : d.getText();
        }
        return text.substring(start, end).replaceAll("\\s+", " ").trim();
    }

    private static Set<String> bindings(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = BOUND.matcher(strip(text));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String strip(String text) {
        return text.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("'(?:[^'\\\\]|\\\\.)*'", "''");
    }

    /** Each condition of this rule, explained against {@code context}, with {@code data} as the global {@code data}. */
    List<ConditionExplanation> explain(ActionContext context, Object data) {
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

    private static Set<String> variablesOf(String expression) {
        Set<String> variables = new LinkedHashSet<>();
        Matcher v = VARIABLE.matcher(strip(expression));
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
            message = part == null ? inner.message() : unconstrained ? "a " + part + " was sent" : "a " + part + " was sent and its constraints hold";
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
        return bindings(constraint);
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
