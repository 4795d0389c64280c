package dev.countersign.rules.engine;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.AtomicExprDescr;
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
 * (with its constraints parsed), a pattern {@code from} a source over a type the rules can name, a
 * {@code not} or {@code exists} of one such pattern, or a condition shown as not explained
 * (accumulate, collect, eval, or, forall, patterns of declared types, constraints that call the
 * bundle's functions). Which pattern is the anchor is what {@link AnchorPlanner#anchorOf} chooses.
 * Immutable once built; {@link RuleTrace} explains it for a context, with its file's
 * {@link #evaluator}.
 */
final class ExplainedRule {
    static final Pattern VARIABLE = Pattern.compile("(?<![\\w.])(\\$[A-Za-z_]\\w*)");
    private static final Pattern WORD_CALL = Pattern.compile("(?<![\\w.$])([A-Za-z_]\\w*)\\s*\\(");
    private static final Pattern BOUND = Pattern.compile("(\\$[A-Za-z_]\\w*)\\s*:(?!=)");

    final RuleRef ref;
    final List<Element> elements;
    /** Index of the anchor among {@link #elements}; -1 when the rule has none. */
    final int anchor;
    /** Index of the first pattern on a part; -1 when there is none. */
    final int firstPattern;
    final ConditionEvaluator evaluator;

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
                if (tree == null || parser.hasErrors() || truncated(tree, expression)) {
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

    /**
     * Whether the expression parser kept only the first word of {@code expression}: it does so,
     * without an error, for an operator it does not know ({@code a op "x"} becomes {@code a}).
     */
    private static boolean truncated(ConstraintConnectiveDescr tree, String expression) {
        return tree.getDescrs().size() == 1 && tree.getDescrs().get(0) instanceof AtomicExprDescr atom
                && !atom.getExpression().trim().equals(expression.trim());
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

    static Set<String> bindings(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = BOUND.matcher(strip(text));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    static String strip(String text) {
        return text.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("'(?:[^'\\\\]|\\\\.)*'", "''");
    }
}
