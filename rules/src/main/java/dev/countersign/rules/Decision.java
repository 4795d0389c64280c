package dev.countersign.rules;

import java.util.List;

/**
 * The outcome of evaluating one action context against one bundle revision. {@code approval} is
 * present only when the verdict is {@link Verdict#NEEDS_APPROVAL}. Reasons are sorted: those of
 * the deciding verdict first, then by source.
 */
public record Decision(String decisionId, Verdict verdict, List<Reason> reasons, ApprovalRequirement approval,
                       String bundleRevision) {
    public Decision {
        reasons = List.copyOf(reasons);
        if ((verdict == Verdict.NEEDS_APPROVAL) != (approval != null)) {
            throw new IllegalArgumentException("an approval requirement goes with needs_approval, and only with it");
        }
    }
}
