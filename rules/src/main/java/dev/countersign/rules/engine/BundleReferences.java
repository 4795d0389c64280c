package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.bundle.Mention;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.testing.RuleTestFile;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the names that bundle files other than rule files write and that must refer to the rules:
 * the manifest's {@code always} packages, and in rule tests each case's {@code package}, the rule
 * names of its {@code reasons} and {@code not_reasons}, and the data paths it replaces. A name that
 * refers to nothing would make a scope, or a test, silently mean less than it says; each is an error
 * at its place, with the closest known name when one is close.
 */
final class BundleReferences {
    private BundleReferences() {
    }

    /**
     * Adds an error for each name that refers to nothing. {@code rules} are every rule of the bundle;
     * {@code data}, the bundle's documents, or null when they are broken (the data paths are not checked then).
     */
    static void check(PolicyBundle bundle, Collection<RuleRef> rules, BundleData data, List<PolicyError> errors) {
        Set<String> packages = new TreeSet<>();
        rules.forEach(r -> packages.add(r.packageName()));
        for (Mention always : bundle.always()) {
            if (!covers(packages, always.name())) {
                errors.add(at(always, "always names " + always.name() + ", which is no package of the bundle"
                        + ClosestName.hint(always.name(), packages) + "; packages are " + packages));
            }
        }
        List<String> alwaysNames = bundle.always().stream().map(Mention::name).toList();
        Set<String> ruleNames = new TreeSet<>();
        rules.forEach(r -> ruleNames.add(r.name()));
        for (RuleTestFile file : bundle.tests()) {
            for (RuleTestFile.References refs : file.references()) {
                String scope = refs.scope() == null ? "" : refs.scope().name();
                boolean scopeKnown = true;
                if (refs.scope() != null && !covers(packages, refs.scope().name())) {
                    scopeKnown = false;
                    errors.add(at(refs.scope(), "package " + refs.scope().name() + " holds no rules, nor does a package below it"
                            + ClosestName.hint(refs.scope().name(), packages) + "; packages are " + packages));
                }
                for (Mention rule : refs.rules()) {
                    checkRule(rule, scope, scopeKnown, rules, ruleNames, alwaysNames, errors);
                }
                if (data != null) {
                    checkDataPaths(refs.dataPaths(), data, errors);
                }
            }
        }
    }

    private static void checkRule(Mention rule, String scope, boolean scopeKnown, Collection<RuleRef> rules, Set<String> ruleNames,
                                  List<String> always, List<PolicyError> errors) {
        if (!ruleNames.contains(rule.name())) {
            errors.add(at(rule, "no rule is named \"" + rule.name() + "\"" + ClosestName.hint(rule.name(), ruleNames)
                    + "; a reason names a rule of the bundle, or error, or default"));
            return;
        }
        if (scope.isEmpty() || !scopeKnown) {
            return;
        }
        for (RuleRef r : rules) {
            if (r.name().equals(rule.name()) && (r.inScope(scope) || always.stream().anyMatch(r::inScope))) {
                return;
            }
        }
        errors.add(at(rule, "rule \"" + rule.name() + "\" is not in package " + scope + " nor below it, nor in an always package,"
                + " so it never speaks in this case's scope"));
    }

    /**
     * Each path must name a value of the documents, unless a shorter path of the same override already
     * replaces a value that is no mapping (then what is below is the override's own).
     */
    private static void checkDataPaths(List<Mention> paths, BundleData data, List<PolicyError> errors) {
        Set<String> replacedWhole = new TreeSet<>();
        for (Mention path : paths) {
            String name = path.name();
            if (replacedWhole.stream().anyMatch(p -> name.startsWith(p + "."))) {
                continue;
            }
            if (!data.has(name)) {
                String parent = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
                Set<String> siblings = siblings(data, parent);
                errors.add(at(path, "data path \"" + name + "\" is not in the bundle's data documents"
                        + ClosestName.hint(name.substring(name.lastIndexOf('.') + 1), siblings)
                        + "; a case replaces values the documents hold"));
                replacedWhole.add(name);
            } else if (!(data.get(name) instanceof Map<?, ?>)) {
                replacedWhole.add(name);
            }
        }
    }

    private static Set<String> siblings(BundleData data, String parent) {
        Object at = parent.isEmpty() ? data.root() : data.has(parent) ? data.get(parent) : null;
        Set<String> names = new TreeSet<>();
        if (at instanceof Map<?, ?> m) {
            m.keySet().forEach(k -> names.add(String.valueOf(k)));
        }
        return names;
    }

    private static boolean covers(Set<String> packages, String prefix) {
        for (String p : packages) {
            if (p.equals(prefix) || p.startsWith(prefix + ".")) {
                return true;
            }
        }
        return false;
    }

    private static PolicyError at(Mention m, String message) {
        return new PolicyError(m.file(), m.line(), m.column(), message);
    }
}
