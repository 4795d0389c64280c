package dev.countersign.rules.lint;

import java.util.List;
import java.util.Set;

/**
 * Allow and needs_approval rules that can never decide: whenever one fires, a deny rule whose scope
 * includes it fires too, and deny overrides both. The deny's scope includes the rule when the deny
 * is in the same package or one above it (a decision in the deny's package or wider holds both), or
 * in an {@code always} package (or below one), whose rules join every scope.
 *
 * <p>The check is syntactic, a subset test: the deny's conditions must be only top-level patterns on
 * parts, each read whole and made of literal tests ({@code environment == "production"},
 * {@code id != null}), its consequence must call {@code deny(...)} unconditionally, and for each of its
 * patterns the other rule must have a top-level pattern on the same part with the same tests among
 * its own. Implications it cannot see ({@code x > 5} implies {@code x > 3}, data lookups, bindings,
 * {@code not}) are not reported.
 */
final class Shadowing {
    private Shadowing() {
    }

    static void check(LintedRule rule, List<LintedRule> all, Set<String> alwaysPackages, List<LintFinding> out) {
        if (!rule.mayAllowOrAskApproval()) {
            return;
        }
        List<LintedRule> denies = new java.util.ArrayList<>(all);
        denies.sort(java.util.Comparator.comparing((LintedRule d) -> !d.packageName().equals(rule.packageName())));
        for (LintedRule deny : denies) {
            if (deny != rule && deny.alwaysDenies() && inScopeOf(deny.packageName(), rule.packageName(), alwaysPackages)
                    && implies(rule, deny)) {
                String what = rule.verdicts().contains(LintedRule.APPROVAL) && !rule.verdicts().contains(LintedRule.ALLOW)
                        ? "needs_approval" : "allow";
                String where = deny.packageName().equals(rule.packageName()) ? "" : isAlways(deny.packageName(), alwaysPackages)
                        ? " (package " + deny.packageName() + " joins every scope)"
                        : " (in package " + deny.packageName() + " and wider scopes; in " + rule.packageName() + " alone it still decides)";
                out.add(new LintFinding(rule.file(), rule.line(), rule.column(), rule.name(), Lint.SHADOWED,
                        "can never decide: whenever it fires, deny rule \"" + deny.name() + "\" (" + deny.place()
                                + ") fires too and deny overrides " + what + where,
                        "add the condition that tells them apart, or remove this rule if the deny is meant"));
                return;
            }
        }
    }

    static boolean inScopeOf(String denyPackage, String rulePackage, Set<String> alwaysPackages) {
        return denyPackage.equals(rulePackage) || rulePackage.startsWith(denyPackage + ".") || isAlways(denyPackage, alwaysPackages);
    }

    private static boolean isAlways(String pkg, Set<String> alwaysPackages) {
        return alwaysPackages.stream().anyMatch(a -> pkg.equals(a) || pkg.startsWith(a + "."));
    }

    /** Whether {@code rule}'s patterns include every pattern and literal test of {@code deny}. */
    private static boolean implies(LintedRule rule, LintedRule deny) {
        if (!deny.onlyReadPatterns() || deny.patterns().isEmpty()) {
            return false;
        }
        for (LintedRule.PartPattern d : deny.patterns()) {
            List<Atom> mine = rule.patterns().stream().filter(p -> p.type().equals(d.type())).flatMap(p -> p.atoms().stream()).toList();
            if (rule.patterns().stream().noneMatch(p -> p.type().equals(d.type()))) {
                return false;
            }
            for (Atom a : d.atoms()) {
                if (!a.compares() || !a.operand().isLiteral() || mine.stream().noneMatch(a::sameTest)) {
                    return false;
                }
            }
        }
        return true;
    }
}
