package dev.countersign.rules.lint;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules that can never fire because two constraints on one property of one part cannot hold
 * together. Every pattern on the same part matches the same fact (a context has one actor, one
 * action...), so {@code Action( name == "a" )} and {@code Action( name == "b" )} in one rule
 * contradict as much as {@code Action( name == "a", name == "b" )}. Found: two different literals
 * for {@code ==} (a literal and {@code null} included), {@code == v} with {@code != v}, and numeric
 * bounds no number meets ({@code x > 5, x < 3}, {@code x == 7, x < 3}). Literals of different kinds
 * ({@code 1} and {@code "1"}) are left alone: Drools coerces them.
 */
final class Contradictions {
    private Contradictions() {
    }

    static void check(LintedRule rule, List<LintFinding> out) {
        Map<String, List<Atom>> byProperty = new LinkedHashMap<>();
        for (LintedRule.PartPattern p : rule.patterns()) {
            for (Atom a : p.atoms()) {
                if (a.compares() && a.operand().isLiteral()) {
                    byProperty.computeIfAbsent(p.type() + "." + a.property(), k -> new ArrayList<>()).add(a);
                }
            }
        }
        byProperty.forEach((key, atoms) -> {
            String type = key.substring(0, key.indexOf('.'));
            for (int i = 1; i < atoms.size(); i++) {
                String why = contradiction(atoms.subList(0, i), atoms.get(i));
                if (why != null) {
                    Atom a = atoms.get(i);
                    out.add(new LintFinding(rule.file(), a.line(), a.column(), rule.name(), Lint.CONTRADICTION,
                            "can never fire: " + type + "( " + a.text() + " ) " + why
                                    + "; every pattern on " + type + " matches the same single fact",
                            hint(a, atoms.subList(0, i))));
                    return; // one finding per property is enough to fix it
                }
            }
        });
    }

    /** Why {@code next} cannot hold with all of {@code earlier}, or null. */
    private static String contradiction(List<Atom> earlier, Atom next) {
        Operand v = next.operand();
        for (Atom e : earlier) {
            Operand w = e.operand();
            boolean comparable = v.kind() == w.kind() || v.kind() == Operand.Kind.NULL || w.kind() == Operand.Kind.NULL;
            if (next.operator().equals("==") && e.operator().equals("==") && comparable && !v.sameLiteral(w)) {
                return "contradicts " + e.text() + " at " + e.line() + ":" + e.column();
            }
            if ((next.operator().equals("==") && e.operator().equals("!=") || next.operator().equals("!=") && e.operator().equals("=="))
                    && v.sameLiteral(w)) {
                return "contradicts " + e.text() + " at " + e.line() + ":" + e.column();
            }
        }
        if (v.kind() == Operand.Kind.NUMBER && isNumeric(next.operator()) && !satisfiable(earlier, next)) {
            Atom e = lastNumeric(earlier);
            return "cannot hold with " + e.text() + " at " + e.line() + ":" + e.column() + ": no number meets both";
        }
        return null;
    }

    private static boolean isNumeric(String operator) {
        return switch (operator) {
            case "==", "<", "<=", ">", ">=" -> true;
            default -> false;
        };
    }

    private static Atom lastNumeric(List<Atom> atoms) {
        for (int i = atoms.size() - 1; i >= 0; i--) {
            if (atoms.get(i).operand().kind() == Operand.Kind.NUMBER && isNumeric(atoms.get(i).operator())) {
                return atoms.get(i);
            }
        }
        throw new IllegalStateException("no numeric bound");
    }

    /** Whether some number meets every numeric bound among {@code earlier} and {@code next}, but not {@code next}'s bounds alone. */
    private static boolean satisfiable(List<Atom> earlier, Atom next) {
        boolean hadBound = false;
        BigDecimal low = null;
        boolean lowStrict = false;
        BigDecimal high = null;
        boolean highStrict = false;
        List<Atom> all = new ArrayList<>(earlier);
        all.add(next);
        for (Atom a : all) {
            if (a.operand().kind() != Operand.Kind.NUMBER || !isNumeric(a.operator())) {
                continue;
            }
            hadBound |= a != next;
            BigDecimal n = (BigDecimal) a.operand().value();
            String op = a.operator();
            if (op.equals("==") || op.equals(">") || op.equals(">=")) {
                boolean strict = op.equals(">");
                if (low == null || n.compareTo(low) > 0 || n.compareTo(low) == 0 && strict) {
                    low = n;
                    lowStrict = strict;
                }
            }
            if (op.equals("==") || op.equals("<") || op.equals("<=")) {
                boolean strict = op.equals("<");
                if (high == null || n.compareTo(high) < 0 || n.compareTo(high) == 0 && strict) {
                    high = n;
                    highStrict = strict;
                }
            }
        }
        if (!hadBound || low == null || high == null) {
            return true;
        }
        int c = low.compareTo(high);
        return c < 0 || c == 0 && !lowStrict && !highStrict;
    }

    private static String hint(Atom next, List<Atom> earlier) {
        Atom other = earlier.get(earlier.size() - 1);
        if (next.operator().equals("==") && other.operator().equals("==")) {
            return "to accept either value write one test, " + next.property() + " == " + other.operand() + " || "
                    + next.property() + " == " + next.operand() + "; or split the rule in two";
        }
        if (next.operator().equals("!=") || other.operator().equals("!=")) {
            return "remove one of the two tests";
        }
        return "check the bounds: all of a rule's constraints must hold at once; write || to accept either";
    }
}
