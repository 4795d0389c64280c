package dev.countersign.rules.explain;

import dev.countersign.rules.engine.RuleRef;

/**
 * One condition coverage counts: constraint {@code constraint} of the rule's condition
 * {@code condition} (indexes in written order), or the whole condition when {@code constraint} is -1
 * (a pattern without constraints, a {@code not} or {@code exists}, a condition not explained).
 * {@code text} is the constraint's text, {@code condition} the condition's; {@code notExplained} says
 * why the explanation cannot evaluate it, or is null.
 */
public record ConditionRef(RuleRef rule, int conditionIndex, int constraintIndex, String conditionText, String text, int line,
                           int column, String notExplained) {
    /** {@code file:line:column}. */
    public String source() {
        return rule.file() + ":" + line + ":" + column;
    }

    /** Whether this condition held in {@code e}, an explanation of its rule ({@link RuleExplanation#conditions()}). */
    public boolean heldIn(RuleExplanation e) {
        ConditionExplanation c = e.conditions().get(conditionIndex);
        if (constraintIndex < 0) {
            return c.outcome() == Outcome.HELD;
        }
        return constraintIndex < c.constraints().size() && c.constraints().get(constraintIndex).outcome() == Outcome.HELD;
    }
}
