package dev.countersign.rules.explain;

import dev.countersign.rules.Decision;
import java.util.List;

/**
 * Why a decision came out as it did: the decision (made by the real evaluation, exactly as without
 * an explanation), the scope it was made in ("" for every package), the message of the evaluation's
 * failure when a rule threw (then no rule's verdict counted), and the rules explained: those whose
 * anchor condition held or failed with an error, those without an anchor whose first pattern's part
 * was sent, those with no pattern on a part, and every rule that fired.
 */
public record Explanation(Decision decision, String scope, String evaluationFailure, List<RuleExplanation> rules) {
    public Explanation {
        rules = List.copyOf(rules);
    }
}
