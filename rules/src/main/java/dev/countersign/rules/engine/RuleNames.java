package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.engine.PolicyCompiler.ParsedFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.drools.drl.ast.descr.RuleDescr;

/** Names the rule an error is in: {@code rule "name": } before the message of an error between a rule's first line and its end. */
final class RuleNames {
    private record Span(String name, int from, int to) {
    }

    private final Map<String, List<Span>> spans;

    private RuleNames(Map<String, List<Span>> spans) {
        this.spans = spans;
    }

    /** The rules of the files that parsed. */
    static RuleNames of(List<ParsedFile> parsed) {
        Map<String, List<Span>> spans = new HashMap<>();
        for (ParsedFile p : parsed) {
            List<Span> file = spans.computeIfAbsent(p.file().path(), k -> new ArrayList<>());
            for (RuleDescr rule : p.descr().getRules()) {
                int to = rule.getEndLine() >= rule.getLine() ? rule.getEndLine() : Integer.MAX_VALUE;
                file.add(new Span((rule.isQuery() ? "query \"" : "rule \"") + rule.getName() + "\"", rule.getLine(), to));
            }
        }
        return new RuleNames(spans);
    }

    /** The rule {@code error} is in, as {@code file\u0000rule "name"}; null when it is in none. */
    String ruleOf(PolicyError error) {
        for (Span span : spans.getOrDefault(error.file(), List.of())) {
            if (error.line() >= span.from() && error.line() <= span.to()) {
                return error.file() + '\u0000' + span.name();
            }
        }
        return null;
    }

    /** The key {@link #ruleOf} gives the errors of {@code rule}. */
    static String keyOf(RuleRef rule) {
        return rule.file() + '\u0000' + "rule \"" + rule.name() + "\"";
    }

    /** {@code error}, naming the rule it is in unless it names it already. */
    PolicyError named(PolicyError error) {
        for (Span span : spans.getOrDefault(error.file(), List.of())) {
            if (error.line() >= span.from() && error.line() <= span.to()) {
                return error.message().contains(span.name()) ? error
                        : new PolicyError(error.file(), error.line(), error.column(), span.name() + ": " + error.message());
            }
        }
        return error;
    }
}
