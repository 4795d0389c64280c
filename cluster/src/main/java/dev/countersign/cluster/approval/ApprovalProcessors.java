package dev.countersign.cluster.approval;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.time.Instant;
import java.util.Map;

/**
 * The transitions of {@link PendingApproval}, applied by the member that owns the entry, one at a
 * time per entry: this is what makes concurrent votes, expiry and redemption atomic cluster-wide.
 * Each answers null for an unknown approval. Updates keep the entry's expiry (a plain
 * {@code setValue} would reset it to the map's default, which is never). Hazelcast may run an
 * operation twice when a member dies while answering, so each transition answers a replay of itself
 * as it answered the first time ({@link PendingApproval}).
 */
final class ApprovalProcessors {
    private ApprovalProcessors() {
    }

    private static void update(Map.Entry<String, PendingApproval> entry, PendingApproval value) {
        ((ExtendedMapEntry<String, PendingApproval>) entry).setValueWithoutChangingExpiryTime(value);
    }

    static final class CastVote implements EntryProcessor<String, PendingApproval, VoteResult> {
        private static final long serialVersionUID = 1L;
        private final ReviewerVote vote;

        CastVote(ReviewerVote vote) {
            this.vote = vote;
        }

        @Override
        public VoteResult process(Map.Entry<String, PendingApproval> entry) {
            PendingApproval current = entry.getValue();
            if (current == null) {
                return null;
            }
            VoteResult result = current.vote(vote);
            if (result.approval() != current) {
                update(entry, result.approval());
            }
            return result;
        }
    }

    /** Expires a pending approval past its expiry; answers the approval when this call expired it, else null. */
    static final class Expire implements EntryProcessor<String, PendingApproval, PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final Instant now;

        Expire(Instant now) {
            this.now = now;
        }

        @Override
        public PendingApproval process(Map.Entry<String, PendingApproval> entry) {
            PendingApproval current = entry.getValue();
            if (current == null) {
                return null;
            }
            if (current.status() == ApprovalStatus.EXPIRED && now.equals(current.decidedAt())) {
                return current;
            }
            PendingApproval next = current.at(now);
            if (next == current) {
                return null;
            }
            update(entry, next);
            return next;
        }
    }

    static final class Redeem implements EntryProcessor<String, PendingApproval, RedeemResult> {
        private static final long serialVersionUID = 1L;
        private final String contextHash;
        private final String decisionId;
        private final Instant now;
        private final Requirement required;
        private final String client;

        Redeem(String contextHash, String decisionId, Instant now, Requirement required, String client) {
            this.contextHash = contextHash;
            this.decisionId = decisionId;
            this.now = now;
            this.required = required;
            this.client = client;
        }

        @Override
        public RedeemResult process(Map.Entry<String, PendingApproval> entry) {
            PendingApproval current = entry.getValue();
            if (current == null) {
                return null;
            }
            RedeemResult result = current.redeem(contextHash, decisionId, now, required, client);
            if (result.approval() != current) {
                update(entry, result.approval());
            }
            return result;
        }
    }

    /** Adds a callback URL to a pending approval (not to a decided one); answers the approval as it now stands. */
    static final class AddCallback implements EntryProcessor<String, PendingApproval, PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final String url;
        private final Instant now;

        AddCallback(String url, Instant now) {
            this.url = url;
            this.now = now;
        }

        @Override
        public PendingApproval process(Map.Entry<String, PendingApproval> entry) {
            PendingApproval current = entry.getValue();
            if (current == null) {
                return null;
            }
            PendingApproval now = current.at(this.now);
            if (now.status().isFinal()) {
                if (now != current) {
                    update(entry, now);
                }
                return now;
            }
            PendingApproval next = now.withCallback(url);
            if (next != current) {
                update(entry, next);
            }
            return next;
        }
    }

    /** Points an ask at an approval unless it already points at one; answers the approval it pointed at before, or null. */
    static final class ClaimAsk implements EntryProcessor<String, String, String> {
        private static final long serialVersionUID = 1L;
        private final String approvalId;

        ClaimAsk(String approvalId) {
            this.approvalId = approvalId;
        }

        @Override
        public String process(Map.Entry<String, String> entry) {
            String existing = entry.getValue();
            if (existing == null) {
                entry.setValue(approvalId);
            }
            return existing;
        }
    }

    /** Re-points an ask from {@code expected} to {@code approvalId}; answers whether it did. */
    static final class ReplaceAsk implements EntryProcessor<String, String, Boolean> {
        private static final long serialVersionUID = 1L;
        private final String expected;
        private final String approvalId;

        ReplaceAsk(String expected, String approvalId) {
            this.expected = expected;
            this.approvalId = approvalId;
        }

        @Override
        public Boolean process(Map.Entry<String, String> entry) {
            if (expected.equals(entry.getValue())) {
                entry.setValue(approvalId);
                return true;
            }
            return false;
        }
    }
}
