package dev.countersign.cluster.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Pending approvals shared by every node. Calls never block: each answers a stage completed by the
 * cluster. Transitions are atomic cluster-wide and timed by the clock of the member holding the
 * approval (creation, votes, expiry and grant windows alike). Every transition appends its
 * {@link ApprovalEvent} to the approval's own {@link ApprovalLog} in the same atomic step; no caller
 * announces anything. The member owning an entry delivers its events to the sinks ({@link #claim},
 * {@link #settle}, {@link #ownDue}, {@link #onOwnChange}), and a new owner carries on from the backup.
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

    /**
     * How many approvals {@code client} asked for are pending now, cluster-wide: counted from the
     * approvals themselves (not past their expiry, by the clock of the member answering), so the
     * count follows every vote, expiry and redemption and survives the loss of a member. Blocks on
     * one query of every member: call it off an event loop.
     */
    long pendingCountOf(String client);

    /**
     * The earliest expiry among the approvals {@code client} asked for that are pending now; null when
     * there are none (blocks: call it off an event loop).
     */
    Instant earliestExpiryOf(String client);

    /** The approval pending now for the ask {@code askKey} (see {@link #create}), or null when that ask has none. */
    CompletionStage<PendingApproval> pendingFor(String askKey);

    /** The latest approval of {@code askKey}, whatever its status (null when the ask was never held, or its approval is gone). */
    CompletionStage<PendingApproval> latestFor(String askKey);

    /**
     * Claims for {@code node}, for {@code lease}, every sink of approval {@code id} that has events to
     * take ({@link ApprovalLog}); answers the claimed deliveries, none when nothing is due, and null
     * when the approval is unknown.
     */
    CompletionStage<Claimed> claim(String id, String node, Duration lease);

    /** The approval as it stood when {@code deliveries} were claimed, their events to take after each one's {@code delivered}. */
    record Claimed(PendingApproval approval, List<Delivery> deliveries) {
    }

    /** Records what {@code node}'s claimed delivery to {@code sink} came to; answers whether the claim was still its own. */
    CompletionStage<Boolean> settle(String id, String sink, String node, Settlement settlement);

    /** What came of reporting the outcome of the decision that redeemed an approval. */
    enum OutcomeReport {
        /** Recorded now, as an event of the approval. */
        RECORDED,
        /** The same report was recorded before (a retry): nothing changed. */
        REPEATED,
        /** Another report was recorded before: a decision's outcome is reported once. */
        CONFLICT,
        /** The approval was not redeemed by that decision. */
        NOT_REDEEMED
    }

    /**
     * Records the outcome {@code details} of decision {@code decisionId}, which redeemed approval {@code id}, as one
     * {@value ApprovalEvent#OUTCOME} event of the approval (once; an identical repeat changes nothing); null when the
     * approval is unknown.
     */
    CompletionStage<OutcomeReport> reportOutcome(String id, String decisionId, Map<String, String> details);

    /**
     * Sends approval {@code id}'s reminder if one is due (once cluster-wide), adding {@code escalation}
     * as sinks at the first; answers whether it did.
     */
    CompletionStage<Boolean> remind(String id, List<String> escalation);

    /**
     * The approvals this member holds that have events due to some sink, or a reminder due, by this
     * member's clock (blocks briefly on local data: call it off an event loop).
     */
    Due ownDue();

    /** Ids of approvals with events due, and of pending approvals with a reminder due. */
    record Due(Set<String> events, Set<String> reminders) {
    }

    /**
     * Calls {@code listener} with each approval this member holds as it is stored (on a thread of the
     * store's, never an event loop: hand work off); answers what stops it.
     */
    AutoCloseable onOwnChange(java.util.function.Consumer<PendingApproval> listener);
}
