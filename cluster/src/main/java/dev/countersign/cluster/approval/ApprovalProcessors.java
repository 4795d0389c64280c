package dev.countersign.cluster.approval;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import dev.countersign.cluster.ClusterMinorityException;
import dev.countersign.cluster.Majority;
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

    /** Stores {@code next} when it differs from {@code current}; answers {@code answer}. */
    private static <R> R store(Map.Entry<String, PendingApproval> entry, PendingApproval current, PendingApproval next, R answer) {
        if (next != current) {
            update(entry, next);
        }
        return answer;
    }

    /**
     * A transition of one approval, checked on the member that runs it: that member, as it runs it,
     * must see {@code minMembers} members, else {@link ClusterMinorityException}. The calling node's
     * own check is not enough: an operation sent just before a split is noticed is retried, once it is,
     * on whichever member then owns the entry, which may be a minority member's promoted backup.
     * Backups apply the primary's transition unchecked.
     */
    abstract static class Transition<R> implements EntryProcessor<String, PendingApproval, R>, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private final int minMembers;
        private transient HazelcastInstance member;

        Transition(int minMembers) {
            this.minMembers = minMembers;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public final R process(Map.Entry<String, PendingApproval> entry) {
            if (member != null) {
                Majority.requireAt(member, minMembers);
            }
            PendingApproval current = entry.getValue();
            return current == null ? null : apply(entry, current);
        }

        @Override
        public EntryProcessor<String, PendingApproval, R> getBackupProcessor() {
            return new Backup<>(this);
        }

        /** The transition of {@code current}, the entry's approval; updates the entry when it changes. */
        abstract R apply(Map.Entry<String, PendingApproval> entry, PendingApproval current);
    }

    /** A transition as a backup replica applies it: what the primary applied, without checking the membership again. */
    static final class Backup<R> implements EntryProcessor<String, PendingApproval, R> {
        private static final long serialVersionUID = 1L;
        private final Transition<R> primary;

        Backup(Transition<R> primary) {
            this.primary = primary;
        }

        @Override
        public R process(Map.Entry<String, PendingApproval> entry) {
            PendingApproval current = entry.getValue();
            return current == null ? null : primary.apply(entry, current);
        }
    }

    static final class CastVote extends Transition<VoteResult> {
        private static final long serialVersionUID = 1L;
        private final ReviewerVote vote;

        CastVote(ReviewerVote vote, int minMembers) {
            super(minMembers);
            this.vote = vote;
        }

        @Override
        VoteResult apply(Map.Entry<String, PendingApproval> entry, PendingApproval current) {
            VoteResult result = current.vote(vote);
            return store(entry, current, result.approval(), result);
        }
    }

    /** Expires a pending approval past its expiry; answers the approval when this call expired it, else null. */
    static final class Expire extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final Instant now;

        Expire(Instant now, int minMembers) {
            super(minMembers);
            this.now = now;
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current) {
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

    static final class Redeem extends Transition<RedeemResult> {
        private static final long serialVersionUID = 1L;
        private final String contextHash;
        private final String decisionId;
        private final Instant now;
        private final Requirement required;
        private final String client;

        Redeem(String contextHash, String decisionId, Instant now, Requirement required, String client, int minMembers) {
            super(minMembers);
            this.contextHash = contextHash;
            this.decisionId = decisionId;
            this.now = now;
            this.required = required;
            this.client = client;
        }

        @Override
        RedeemResult apply(Map.Entry<String, PendingApproval> entry, PendingApproval current) {
            RedeemResult result = current.redeem(contextHash, decisionId, now, required, client);
            return store(entry, current, result.approval(), result);
        }
    }

    /** Adds a callback URL to a pending approval (not to a decided one); answers the approval as it now stands. */
    static final class AddCallback extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final String url;
        private final Instant now;

        AddCallback(String url, Instant now, int minMembers) {
            super(minMembers);
            this.url = url;
            this.now = now;
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current) {
            PendingApproval now = current.at(this.now);
            PendingApproval next = now.status().isFinal() ? now : now.withCallback(url);
            return store(entry, current, next, next);
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
