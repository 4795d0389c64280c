package dev.countersign.rules.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.FromDescr;
import org.drools.drl.ast.descr.MVELExprDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;

/**
 * Keeps the cost of a decision flat as rules grow.
 *
 * <p>Drools indexes a fact's own properties (alpha-node hashing), so inserting {@code Action} with
 * name "data.export" reaches only the rules testing that name. But every further pattern of a rule
 * is a join whose right input receives every matching fact: with 1,000 rules each also testing
 * {@code Actor( type == "agent" )}, inserting that actor touches 1,000 joins, whatever the action.
 *
 * <p>An action context holds exactly one fact of each part, so a rule can match each part once at
 * most. The planner therefore keeps one pattern per rule, its <em>anchor</em>, as a real fact match
 * and moves it first; every other plain pattern on a part of the context becomes
 * {@code Part(...) from <context>}, evaluated only after the anchor matched. The anchor is the most
 * selective plain pattern: one testing {@code Action( name == "literal" )} first, then any with a
 * {@code property == literal} test, then any other; it must not use bindings of other patterns, since
 * it moves first. Patterns under {@code not}, {@code exists}, {@code or}, accumulate and the like stay
 * as they are, as do rules without a plain pattern on a part. Matching is unchanged: a part the
 * caller did not send matches nothing in either form.
 */
final class AnchorPlanner {
    /** The global the rewritten patterns read from; replaced at build time by {@link ContextPartProvider}. */
    static final String CONTEXT_GLOBAL = "__countersign_context";

    private static final Pattern LITERAL_EQUALITY = Pattern.compile(
            "\\s*(\\w+)\\s*==\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+(?:\\.\\d+)?[lLdDfF]?|true|false)\\s*");
    private static final Pattern BINDING = Pattern.compile("^\\s*(\\$?[A-Za-z_]\\w*)\\s*:(?!=)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])(\\$?[A-Za-z_]\\w*)");

    private AnchorPlanner() {
    }

    /** Rewrites the rules of {@code pkg} in place. */
    static void plan(PackageDescr pkg) {
        for (RuleDescr rule : pkg.getRules()) {
            if (!rule.isQuery() && rule.getLhs() != null) {
                plan(rule.getLhs());
            }
        }
    }

    private static void plan(AndDescr lhs) {
        List<BaseDescr> elements = lhs.getDescrs();
        List<PatternDescr> plain = plainPatterns(lhs);
        PatternDescr anchor = anchorOf(lhs);
        if (anchor == null) {
            return;
        }
        List<BaseDescr> reordered = new ArrayList<>(elements.size());
        reordered.add(anchor);
        for (BaseDescr d : elements) {
            if (d != anchor) {
                reordered.add(d);
            }
        }
        elements.clear();
        for (BaseDescr d : reordered) {
            lhs.addDescr(d);
        }
        for (PatternDescr p : plain) {
            if (p != anchor) {
                FromDescr from = new FromDescr();
                from.setDataSource(new MVELExprDescr(CONTEXT_GLOBAL));
                from.setResource(p.getResource());
                from.setLocation(p.getLine(), p.getColumn());
                p.setSource(from);
            }
        }
    }

    /** The plain patterns on a part among the top-level elements of {@code lhs}, in written order. */
    static List<PatternDescr> plainPatterns(AndDescr lhs) {
        List<PatternDescr> plain = new ArrayList<>();
        for (BaseDescr d : lhs.getDescrs()) {
            if (d instanceof PatternDescr p && isPlainPartPattern(p)) {
                plain.add(p);
            }
        }
        return plain;
    }

    /** The pattern {@link #plan} keeps as the rule's anchor, chosen from the unplanned {@code lhs}; null when it keeps none. */
    static PatternDescr anchorOf(AndDescr lhs) {
        PatternDescr anchor = null;
        int bestScore = -1;
        for (PatternDescr p : plainPatterns(lhs)) {
            int score = selectivity(p);
            if (score > bestScore && isSelfContained(p, lhs.getDescrs())) {
                anchor = p;
                bestScore = score;
            }
        }
        return anchor;
    }

    static boolean isPlainPartPattern(PatternDescr p) {
        return Part.forTypeName(p.getObjectType()) != null && p.getSource() == null && !p.isQuery()
                && p.getBehaviors().isEmpty() && p.getAnnotations().isEmpty();
    }

    /** 3: tests {@code Action( name == literal )}; 2: tests another property against a literal; 1: other. */
    private static int selectivity(PatternDescr p) {
        int score = 1;
        for (BaseDescr c : p.getDescrs()) {
            if (c instanceof ExprConstraintDescr e) {
                Matcher m = LITERAL_EQUALITY.matcher(e.getExpression());
                if (m.matches()) {
                    if (Part.forTypeName(p.getObjectType()) == Part.ACTION && m.group(1).equals("name")) {
                        return 3;
                    }
                    score = 2;
                }
            }
        }
        return score;
    }

    /** Whether {@code p} uses no binding declared by another element of the rule, so it can move first. */
    private static boolean isSelfContained(PatternDescr p, List<BaseDescr> elements) {
        Set<String> foreign = new HashSet<>();
        for (BaseDescr d : elements) {
            if (d != p) {
                collectBindings(d, foreign);
            }
        }
        if (foreign.isEmpty()) {
            return true;
        }
        for (BaseDescr c : p.getDescrs()) {
            String text = c instanceof ExprConstraintDescr e ? e.getExpression() : c.getText();
            if (text == null) {
                continue;
            }
            Matcher binding = BINDING.matcher(text);
            String expression = binding.find() ? text.substring(binding.end()) : text;
            Matcher id = IDENTIFIER.matcher(stripStrings(expression));
            while (id.find()) {
                if (foreign.contains(id.group(1))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void collectBindings(BaseDescr d, Set<String> into) {
        if (d instanceof PatternDescr p) {
            if (p.getIdentifier() != null) {
                into.add(p.getIdentifier());
            }
            for (BaseDescr c : p.getDescrs()) {
                if (c instanceof ExprConstraintDescr e) {
                    Matcher m = BINDING.matcher(e.getExpression());
                    if (m.find()) {
                        into.add(m.group(1));
                    }
                }
            }
        } else if (d instanceof ConditionalElementDescr ce) {
            // Over-approximates: bindings under not/exists are not visible outside, but treating them
            // as foreign only keeps a pattern from being moved.
            for (BaseDescr child : ce.getDescrs()) {
                collectBindings(child, into);
            }
        }
    }

    private static String stripStrings(String text) {
        return text.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
    }
}
