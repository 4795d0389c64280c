package dev.countersign.cluster.approval;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.TamperedStateException;
import java.io.Serializable;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The transitions of {@link PendingApproval}, applied by the member that owns the entry, one at a
 * time per entry: this is what makes concurrent votes, expiry and redemption atomic cluster-wide.
 *
 * <p>The member applying a transition checks, before anything else, that it stands well in its
 * cluster ({@link dev.countersign.cluster.Standing}: enough members, its clock agreeing, no unknown
 * member), and that the entry carries its seal ({@link ApprovalSeal}); it then applies the transition
 * at its own clock's time and seals what it stores. Its backup replica applies the very same
 * transition at that same time, so both reach the same sealed value. A member not started by
 * Countersign (no {@link MemberContext}) refuses every transition. Each answers null for an unknown
 * approval. Updates keep the entry's expiry. Hazelcast may run an operation twice when a member dies
 * while answering, so each transition answers a retry of itself as it answered the first time.
 */
final class ApprovalProcessors {
    private ApprovalProcessors() {
    }

    /** Stores {@code next}, sealed, when it differs from {@code current}; answers {@code answer}. */
    private static <R> R store(Map.Entry<String, PendingApproval> entry, ApprovalSeal seal, PendingApproval current,
                               PendingApproval next, R answer) {
        if (next != current) {
            ((ExtendedMapEntry<String, PendingApproval>) entry).setValueWithoutChangingExpiryTime(seal.seal(next));
        }
        return answer;
    }

    /** One transition of one approval (or of each of several, at one time). */
    abstract static class Transition<R> implements EntryProcessor<String, PendingApproval, R>, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private transient HazelcastInstance member;
        /** The time of the holding member's clock this transition is applied at, fixed at its first entry. */
        private transient Instant appliedAt;

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public final R process(Map.Entry<String, PendingApproval> entry) {
            MemberContext context = MemberContext.of(member);
            context.standing().require(member, true);
            if (appliedAt == null) {
                appliedAt = context.clock().instant();
            }
            PendingApproval current = entry.getValue();
            if (current == null) {
                return absent(entry, context.seal(), appliedAt);
            }
            if (!context.seal().holds(current)) {
                throw new TamperedStateException("approval", entry.getKey());
            }
            return apply(entry, current, appliedAt, context.seal());
        }

        @Override
        public EntryProcessor<String, PendingApproval, R> getBackupProcessor() {
            return new Backup<>(this, appliedAt);
        }

        /** The transition of {@code current}, the entry's approval, at {@code now}; updates the entry when it changes. */
        abstract R apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, ApprovalSeal seal);

        /** What the transition does to an entry that holds no approval: nothing, by default. */
        R absent(Map.Entry<String, PendingApproval> entry, ApprovalSeal seal, Instant now) {
            return null;
        }
    }

    /**
     * A transition as a backup replica applies it: what the primary applied, at the primary's time,
     * without checking the standing again. A replica whose value fails its seal is left as it is.
     */
    static final class Backup<R> implements EntryProcessor<String, PendingApproval, R>, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private final Transition<R> primary;
        private final Instant at;
        private transient HazelcastInstance member;

        Backup(Transition<R> primary, Instant at) {
            this.primary = primary;
            this.at = at;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public R process(Map.Entry<String, PendingApproval> entry) {
            if (at == null) {
                throw new IllegalStateException("a backup transition without the time its primary applied it at");
            }
            ApprovalSeal seal = MemberContext.of(member).seal();
            PendingApproval current = entry.getValue();
            if (current == null) {
                return primary.absent(entry, seal, at);
            }
            return seal.holds(current) ? primary.apply(entry, current, at, seal) : null;
        }
    }

    /**
     * Stores a new approval, created at the holding member's time and expiring a ttl later, kept
     * {@code keepSeconds} past that; answers it as stored. An id already in use is answered as is.
     */
    static final class Create extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final PendingApproval proposed;
        private final long keepSeconds;

        Create(PendingApproval proposed, long keepSeconds) {
            this.proposed = proposed;
            this.keepSeconds = keepSeconds;
        }

        @Override
        PendingApproval absent(Map.Entry<String, PendingApproval> entry, ApprovalSeal seal, Instant now) {
            PendingApproval created = seal.seal(proposed.createdAt(now));
            long ttl = Math.max(1, proposed.requirement().ttl().getSeconds() + keepSeconds);
            ((ExtendedMapEntry<String, PendingApproval>) entry).setValue(created, ttl, TimeUnit.SECONDS);
            return created;
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, ApprovalSeal seal) {
            return current;   // a retry of this very creation, or (never in practice) an id taken: the stored one stands
        }
    }

    static final class CastVote extends Transition<VoteResult> {
        private static final long serialVersionUID = 1L;
        private final ReviewerVote vote;

        CastVote(ReviewerVote vote) {
            this.vote = vote;
        }

        @Override
        VoteResult apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, ApprovalSeal seal) {
            VoteResult result = current.vote(vote.at(now));
            return store(entry, seal, current, result.approval(), result);
        }
    }

    /** Expires a pending approval past its expiry; answers the approval when this call expired it, else null. */
    static final class Expire extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, ApprovalSeal seal) {
            PendingApproval next = current.at(now);
            return next == current ? null : store(entry, seal, current, next, next);
        }
    }

    static final class Redeem extends Transition<RedeemResult> {
        private static final long serialVersionUID = 1L;
        private final String contextHash;
        private final String decisionId;
        private final Requirement required;
        private final String client;

        Redeem(String contextHash, String decisionId, Requirement required, String client) {
            this.contextHash = contextHash;
            this.decisionId = decisionId;
            this.required = required;
            this.client = client;
        }

        @Override
        RedeemResult apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, ApprovalSeal seal) {
            RedeemResult result = current.redeem(contextHash, decisionId, now, required, client);
            return store(entry, seal, current, result.approval(), result);
        }
    }

    /** Adds a callback URL to a pending approval (not to a decided one); answers the approval as it now stands. */
    static final class AddCallback extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final String url;

        AddCallback(String url) {
            this.url = url;
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, ApprovalSeal seal) {
            PendingApproval atNow = current.at(now);
            PendingApproval next = atNow.status().isFinal() ? atNow : atNow.withCallback(url);
            return store(entry, seal, current, next, next);
        }
    }

    /** An approval as stored, and the time of the holding member's clock when it was read. */
    record Observation(PendingApproval approval, Instant at) implements Serializable {
    }

    /** Reads an approval where it is held, with that member's time; checks nothing (the reader checks the seal). */
    static final class Inspect implements EntryProcessor<String, PendingApproval, Observation>, ReadOnly, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private transient HazelcastInstance member;

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public Observation process(Map.Entry<String, PendingApproval> entry) {
            MemberContext context = MemberContext.of(member);
            context.standing().require(member, true);
            PendingApproval a = entry.getValue();
            return a == null ? null : new Observation(a, context.clock().instant());
        }

        @Override
        public EntryProcessor<String, PendingApproval, Observation> getBackupProcessor() {
            return null;
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
