package dev.countersign.rules.explain;

import dev.countersign.rules.engine.RuleRef;
import java.util.List;

/**
 * One rule, for one action context: whether it fired (from the real evaluation, which is
 * authoritative), what its conditions were found to be one by one, their outcome together
 * ({@link Outcome#HELD} when each held, else the first of error, failed, not explained, not evaluated) and a note
 * when the explanation and the evaluation disagree.
 */
public record RuleExplanation(RuleRef rule, boolean fired, Outcome outcome, List<ConditionExplanation> conditions, String note) {
    public RuleExplanation {
        conditions = List.copyOf(conditions);
    }
}
