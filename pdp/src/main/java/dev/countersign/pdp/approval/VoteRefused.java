package dev.countersign.pdp.approval;

import dev.countersign.cluster.approval.VoteResult;

/** A vote that does not count, with the reason and the outcome (self-approval, not a reviewer, decided...). */
public final class VoteRefused extends RuntimeException {
    private final VoteResult.Outcome outcome;

    public VoteRefused(VoteResult.Outcome outcome, String reason) {
        super(reason, null, false, false);
        this.outcome = outcome;
    }

    public VoteResult.Outcome outcome() {
        return outcome;
    }
}
