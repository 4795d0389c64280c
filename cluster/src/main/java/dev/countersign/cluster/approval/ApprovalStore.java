package dev.countersign.cluster.approval;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Pending approvals shared by every node. Calls never block: each answers a stage completed by the
 * cluster. Transitions are atomic cluster-wide and timed by the clock of the member holding the
 * approval (creation, votes, expiry and grant windows alike); a stage answering a transition ({@code created},
 * a vote's {@code transition}, an expiry) completes on exactly one caller per transition, so that
 * caller alone announces it.
 */
public interface ApprovalStore {
    /**
     * Keeps {@code proposed}, unless the same ask ({@code askKey}: the requester and the action
     * context) is already pending, in which case that approval is answered, with {@code reused} set and
     * {@code proposed}'s callbacks added to it.
     */
    CompletionStage<Created> create(PendingApproval proposed, String askKey);

    /** A pending approval and whether it was already pending for the same ask. */
    record Created(PendingApproval approval, boolean reused) {
    }

    /** The approval as it stands now (expired if it is past its expiry), or null when unknown. */
    CompletionStage<PendingApproval> get(String id);

    /** Applies a vote; null when the approval is unknown. */
    CompletionStage<VoteResult> vote(String id, ReviewerVote vote);

    /** Uses an approved approval as a grant for the action context hashing to {@code contextHash}; null when unknown. */
    default CompletionStage<RedeemResult> redeem(String id, String contextHash, String decisionId) {
        return redeem(id, contextHash, decisionId, null, null);
    }

    /**
     * As {@link #redeem(String, String, String)}, refusing a grant that does not meet {@code required}
     * (the rules' requirement now) or that another client than {@code client} asked for. The grant's
     * window is judged by the clock of the member holding the approval.
     */
    CompletionStage<RedeemResult> redeem(String id, String contextHash, String decisionId, Requirement required, String client);

    /** Approvals in {@code status} (every status when null), newest first, at most {@code limit}. */
    default CompletionStage<List<PendingApproval>> list(ApprovalStatus status, int limit) {
        return list(status, null, limit);
    }

    /**
     * Approvals in {@code status} (every status when null) that need a vote of one of {@code groups}
     * (any group when null; none when empty), newest first, at most {@code limit}.
     */
    CompletionStage<List<PendingApproval>> list(ApprovalStatus status, Set<String> groups, int limit);

    /**
     * Expires the pending approvals past their expiry (by this member's clock) that this member owns,
     * and answers those this call expired. Every member sweeping its own entries covers every entry,
     * including those whose creating node is gone; blocks briefly on local data, so call it off an
     * event loop.
     */
    List<PendingApproval> expireOwnDue();

    /** The number of pending approvals in the cluster (blocks: call it off an event loop). */
    long pendingCount();
}
