package dev.countersign.cluster.approval;

import com.hazelcast.map.EntryProcessor;

/** The store's entry processors, signed as an honest node signs them, for tests that submit them directly. */
public final class ApprovalProcessorsAccess {
    public EntryProcessor<String, PendingApproval, PendingApproval> create(PendingApproval proposed, ApprovalSeal seal) {
        return new ApprovalProcessors.Create(proposed, 60).authorize(seal, proposed.id());
    }

    public EntryProcessor<String, PendingApproval, VoteResult> vote(String id, ReviewerVote vote, ApprovalSeal seal) {
        return new ApprovalProcessors.CastVote(vote).authorize(seal, id);
    }

    public EntryProcessor<String, PendingApproval, VoteResult> unsignedVote(ReviewerVote vote) {
        return new ApprovalProcessors.CastVote(vote);
    }

    public EntryProcessor<String, PendingApproval, PendingApproval> unsignedCreate(PendingApproval proposed) {
        return new ApprovalProcessors.Create(proposed, 60);
    }
}
