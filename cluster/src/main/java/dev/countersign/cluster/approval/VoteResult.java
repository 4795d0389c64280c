package dev.countersign.cluster.approval;

import java.io.Serializable;

/**
 * What became of a vote: its outcome, the approval after it, and the status the vote moved the
 * approval to ({@code null} when the status did not change). A vote on an approval past its expiry
 * expires it ({@code transition == EXPIRED}) and is refused, unless it repeats a vote already counted
 * (an identical repeat is idempotent, before or after the decision).
 */
public record VoteResult(Outcome outcome, String reason, PendingApproval approval, ApprovalStatus transition)
        implements Serializable {

    public enum Outcome {
        /** The vote counts. */
        ACCEPTED,
        /** The same reviewer already cast this same vote; nothing changed. */
        REPEATED,
        /** The reviewer is the requester or acts for them. */
        SELF_APPROVAL,
        /** The reviewer is in none of the required groups. */
        NOT_A_REVIEWER,
        /** The reviewer already voted otherwise. */
        ALREADY_VOTED,
        /** The approval is decided (approved, denied or expired); a decided approval is final. */
        DECIDED
    }

    public boolean counted() {
        return outcome == Outcome.ACCEPTED;
    }
}
