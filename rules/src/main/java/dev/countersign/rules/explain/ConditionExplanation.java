package dev.countersign.rules.explain;

import java.util.List;

/**
 * One condition of a rule as written ({@code Actor( type == "agent" )}, {@code not Target()}, an
 * accumulate...), at {@code line:column}: whether it is the rule's anchor, its outcome, a message
 * (why it failed when no constraint says, why it is not explained or not evaluated) and, for a
 * pattern on a part, the outcome of each of its constraints.
 */
public record ConditionExplanation(String text, int line, int column, boolean anchor, Outcome outcome, String message,
                                   List<ConstraintExplanation> constraints) {
    public ConditionExplanation {
        constraints = List.copyOf(constraints);
    }
}
