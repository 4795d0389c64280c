package dev.countersign.rules.engine;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.ImportDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;

/**
 * Rewrites the simplest rules, before the {@link AnchorPlanner}, into one pattern on {@link FlatContext}:
 * a join of parts costs Drools a beta network and {@code from} nodes per decision, several times what
 * alpha constraints on one fact cost, and an action context holds one of each part, so a rule over
 * several parts can be one pattern over the context. A rule qualifies only when the rewrite cannot
 * change what it matches: its conditions are plain patterns on distinct parts, without bindings, one of
 * them {@code Action( name == "literal" )}, and every constraint is {@code property == "literal"},
 * {@code property != "literal"} or {@code property [not] memberOf data.list("path")} on a text property
 * of its part. {@code Actor( type == "agent" )} becomes {@code actor!.type == "agent"}: the null-safe
 * path does not hold when the part is absent, as the pattern matches nothing then; the same operator
 * is applied to the same value otherwise. The action's name test comes first, so the alpha network
 * hashes it across rules. Every other rule is left as written.
 */
final class FlatPlanner {
    static final String FACT = FlatContext.class.getName();

    private static final Pattern EQUALITY = Pattern.compile("\\s*(\\w+)\\s*(==|!=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*");
    private static final Pattern MEMBER = Pattern.compile(
            "\\s*(\\w+)\\s+((?:not\\s+)?memberOf)\\s+(data\\s*\\.\\s*list\\s*\\(\\s*\"(?:[^\"\\\\]|\\\\.)*\"\\s*\\))\\s*");

    /** The text properties of each part, and the property of {@link FlatContext} that holds the part. */
    private static final Map<Part, Set<String>> TEXT = new EnumMap<>(Map.of(
            Part.ACTOR, Set.of("id", "type", "onBehalfOf"),
            Part.ACTION, Set.of("name", "command", "intent"),
            Part.RESOURCE, Set.of("type", "id", "classification", "environment", "region", "owner"),
            Part.TARGET, Set.of("region", "endpoint"),
            Part.CONTEXT, Set.of("modelId", "datasetOrigin", "sourceIp")));
    private static final Map<Part, String> PATH = new EnumMap<>(Map.of(Part.ACTOR, "actor", Part.ACTION, "action",
            Part.RESOURCE, "resource", Part.TARGET, "target", Part.CONTEXT, "context"));

    private FlatPlanner() {
    }

    /** Rewrites the qualifying rules of {@code pkg} in place; answers how many it rewrote. */
    static int plan(PackageDescr pkg) {
        int rewritten = 0;
        for (RuleDescr rule : pkg.getRules()) {
            if (!rule.isQuery() && rule.getLhs() != null && rewrite(rule.getLhs())) {
                rewritten++;
            }
        }
        if (rewritten > 0) {
            pkg.addImport(new ImportDescr(FACT)); // conditions are compiled against the package's imports
        }
        return rewritten;
    }

    private static boolean rewrite(AndDescr lhs) {
        List<BaseDescr> elements = lhs.getDescrs();
        if (elements.isEmpty()) {
            return false;
        }
        EnumMap<Part, PatternDescr> byPart = new EnumMap<>(Part.class);
        PatternDescr action = null;
        for (BaseDescr d : elements) {
            if (!(d instanceof PatternDescr p) || !AnchorPlanner.isPlainPartPattern(p) || p.getIdentifier() != null) {
                return false;
            }
            Part part = Part.forTypeName(p.getObjectType());
            if (!TEXT.containsKey(part) || byPart.put(part, p) != null) {
                return false; // the whole context, or a part twice
            }
            for (BaseDescr c : p.getDescrs()) {
                if (!(c instanceof ExprConstraintDescr e) || !simple(part, e.getExpression())) {
                    return false;
                }
            }
            if (part == Part.ACTION) {
                action = p;
            }
        }
        ExprConstraintDescr name = action == null ? null : nameTest(action);
        if (name == null) {
            return false;
        }
        PatternDescr flat = new PatternDescr(FlatContext.class.getSimpleName()); // imported below
        flat.setLocation(action.getLine(), action.getColumn());
        flat.setResource(action.getResource());
        Matcher m = EQUALITY.matcher(name.getExpression());
        m.matches();
        flat.addConstraint(constraint("actionName == " + m.group(3), name));
        for (Map.Entry<Part, PatternDescr> e : byPart.entrySet()) {
            String path = PATH.get(e.getKey()) + (e.getKey() == Part.ACTION ? "." : "!.");
            for (BaseDescr c : e.getValue().getDescrs()) {
                if (c != name) {
                    ExprConstraintDescr x = (ExprConstraintDescr) c;
                    flat.addConstraint(constraint(path + x.getExpression().strip(), x));
                }
            }
            if (e.getValue().getDescrs().isEmpty() && e.getKey() != Part.ACTION) {
                flat.addConstraint(constraint(PATH.get(e.getKey()) + " != null", e.getValue())); // Actor() alone: sent at all
            }
        }
        elements.clear();
        lhs.addDescr(flat);
        return true;
    }

    /** {@code name == "literal"} of the action pattern, or null. */
    private static ExprConstraintDescr nameTest(PatternDescr action) {
        for (BaseDescr c : action.getDescrs()) {
            if (c instanceof ExprConstraintDescr e) {
                Matcher m = EQUALITY.matcher(e.getExpression());
                if (m.matches() && m.group(1).equals("name") && m.group(2).equals("==")) {
                    return e;
                }
            }
        }
        return null;
    }

    private static boolean simple(Part part, String expression) {
        Matcher m = EQUALITY.matcher(expression);
        if (!m.matches()) {
            m = MEMBER.matcher(expression);
            if (!m.matches()) {
                return false;
            }
        }
        return TEXT.get(part).contains(m.group(1));
    }

    private static ExprConstraintDescr constraint(String text, BaseDescr at) {
        ExprConstraintDescr c = new ExprConstraintDescr(text);
        c.setLocation(at.getLine(), at.getColumn());
        c.setResource(at.getResource());
        c.setType(ExprConstraintDescr.Type.NAMED);
        return c;
    }
}
