package dev.countersign.rules.lint;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Joins on a property that may be absent: {@code Actor( $me : id )} then {@code Resource( owner == $me )}.
 * As in Drools {@code null == null} holds, so an actor without an id matches every resource without
 * an owner. Reported at the join ({@code == $me} in a top-level pattern on a part) unless one side is
 * known present: the binding's pattern, or the joining pattern, also tests that property with
 * {@code != null}, a non-null literal, an ordering or a regular expression. List properties
 * ({@code roles}, {@code groups}, {@code complianceTags}) are never null and are skipped; so are
 * joins under {@code not}/{@code exists} and joins the reader does not understand.
 */
final class JoinGuards {
    private static final Set<String> LISTS = Set.of("roles", "groups", "complianceTags");

    private JoinGuards() {
    }

    private record Bound(String type, Atom atom, boolean present) {
    }

    static void check(LintedRule rule, List<LintFinding> out) {
        Map<String, Bound> bindings = new HashMap<>();
        for (LintedRule.PartPattern p : rule.patterns()) {
            for (Atom a : p.atoms()) {
                if (a.binding() != null && a.binding().startsWith("$") && !LISTS.contains(a.property())) {
                    bindings.putIfAbsent(a.binding(), new Bound(p.type(), a, present(p, a.property())));
                }
            }
        }
        for (LintedRule.PartPattern p : rule.patterns()) {
            for (Atom a : p.atoms()) {
                if (!"==".equals(a.operator()) || a.operand().kind() != Operand.Kind.BINDING) {
                    continue;
                }
                Bound b = bindings.get((String) a.operand().value());
                if (b == null || b.present() || b.atom() == a || present(p, a.property()) || LISTS.contains(a.property())) {
                    continue;
                }
                out.add(new LintFinding(rule.file(), a.line(), a.column(), rule.name(), Lint.UNGUARDED_JOIN,
                        p.type() + "( " + a.text() + " ) joins on " + b.type() + "." + b.atom().property() + " (bound at "
                                + b.atom().line() + ":" + b.atom().column() + "), which may be absent: null == null holds, so two absent values match",
                        "guard the binding: " + b.type() + "( " + b.atom().binding() + " : " + b.atom().property() + " != null )"));
            }
        }
    }

    private static boolean present(LintedRule.PartPattern p, String property) {
        return p.atoms().stream().anyMatch(a -> a.property().equals(property) && a.impliesPresent());
    }
}
