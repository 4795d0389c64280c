package dev.countersign.rules.explain;

import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The text form of an {@link Explanation}, for a terminal: the verdict and its reasons, then per rule
 * explained its conditions one a line, {@code Actor( type == "agent" )  failed: type is "human"}; a
 * pattern with several constraints is followed by one line per constraint.
 */
public final class ExplanationText {
    private ExplanationText() {
    }

    public static String render(Explanation e) {
        StringBuilder out = new StringBuilder();
        Decision d = e.decision();
        out.append("verdict: ").append(d.verdict().wireName()).append('\n');
        for (Reason r : d.reasons()) {
            out.append("  ").append(r.verdict().wireName()).append("  ").append(r.rule());
            if (r.source() != null) {
                out.append(" (").append(r.source()).append(')');
            }
            if (r.message() != null && !r.message().isEmpty()) {
                out.append(": ").append(r.message());
            }
            out.append('\n');
        }
        if (e.evaluationFailure() != null) {
            out.append("the evaluation failed (the reason above), so no rule's verdict counted\n");
        }
        out.append("rules explained: ").append(e.rules().size())
                .append(e.scope().isEmpty() ? "" : " (package " + e.scope() + " and below)")
                .append("; a rule is explained when its anchor condition held or it fired\n");
        for (RuleExplanation r : e.rules()) {
            out.append('\n').append("rule \"").append(r.rule().name()).append("\" (").append(r.rule().packageName()).append(", ")
                    .append(r.rule().source()).append("): ").append(r.fired() ? "fired" : "did not fire").append('\n');
            for (ConditionExplanation c : r.conditions()) {
                condition(out, c);
            }
            if (r.note() != null) {
                out.append("  note: ").append(r.note()).append('\n');
            }
        }
        return out.toString();
    }

    private static void condition(StringBuilder out, ConditionExplanation c) {
        out.append("  ").append(c.text()).append("  ").append(c.outcome().label());
        List<ConstraintExplanation> constraints = c.constraints();
        if (constraints.size() == 1 && c.message() == null) {
            detail(out, constraints.get(0).values(), constraints.get(0).message());
            out.append('\n');
            return;
        }
        detail(out, Map.of(), c.message());
        out.append('\n');
        if (constraints.size() > 1) {
            for (ConstraintExplanation k : constraints) {
                out.append("      ").append(k.text()).append("  ").append(k.outcome().label());
                detail(out, k.values(), k.message());
                out.append('\n');
            }
        }
    }

    private static void detail(StringBuilder out, Map<String, Object> values, String message) {
        List<String> parts = new ArrayList<>();
        if (message != null) {
            parts.add(message);
        } else {
            values.forEach((expression, value) -> parts.add(expression + " is " + Values.show(value)));
        }
        if (!parts.isEmpty()) {
            out.append(": ").append(String.join(", ", parts));
        }
    }
}
