package dev.countersign.rules.lint;

import dev.countersign.rules.engine.ClosestName;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.testing.RuleTestFile;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An anchor on an action name nothing else mentions: {@code Action( name == "data.exprot" )} where no
 * rule-test input has that action name and no data document holds the string (as a value or a key).
 * Likely a typo; the hint names the known names (from tests, data and other rules) within two edits.
 * A warning: a new action may simply have no test or data yet.
 */
final class ActionNames {
    private final Set<String> mentioned = new TreeSet<>();
    private final Set<String> known = new TreeSet<>();

    ActionNames(CompiledPolicy policy, List<LintedRule> rules) {
        for (RuleTestFile file : policy.bundle().tests()) {
            for (RuleTestFile.Case c : file.cases()) {
                if (c.input().action() != null && c.input().action().name() != null) {
                    mentioned.add(c.input().action().name());
                }
            }
        }
        collect(policy.bundle().data().root());
        known.addAll(mentioned);
        for (LintedRule r : rules) {
            for (Atom a : anchors(r)) {
                known.add((String) a.operand().value());
            }
        }
    }

    void check(LintedRule rule, List<LintFinding> out) {
        for (Atom a : anchors(rule)) {
            String name = (String) a.operand().value();
            if (mentioned.contains(name)) {
                continue;
            }
            List<String> close = known.stream().filter(k -> !k.equals(name) && ClosestName.distance(k, name) <= 2)
                    .sorted(Comparator.comparingInt((String k) -> ClosestName.distance(k, name)).thenComparing(k -> k)).limit(3).toList();
            String hint = close.isEmpty()
                    ? "add a rule test whose input has action name \"" + name + "\", or list the name in a data document"
                    : "did you mean " + String.join(" or ", close.stream().map(k -> "\"" + k + "\"").toList())
                    + "? If not, add a rule test whose input has action name \"" + name + "\"";
            out.add(new LintFinding(rule.file(), a.line(), a.column(), rule.name(), Lint.UNKNOWN_ACTION,
                    "no rule test and no data document mentions the action name \"" + name + "\"", hint));
        }
    }

    private static List<Atom> anchors(LintedRule rule) {
        return rule.patterns().stream().filter(p -> p.type().equals("Action")).flatMap(p -> p.atoms().stream())
                .filter(a -> "name".equals(a.property()) && "==".equals(a.operator()) && a.operand().kind() == Operand.Kind.STRING)
                .toList();
    }

    private void collect(Object value) {
        if (value instanceof String s) {
            mentioned.add(s);
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                mentioned.add(String.valueOf(k));
                collect(v);
            });
        } else if (value instanceof List<?> list) {
            list.forEach(this::collect);
        }
    }
}
