package dev.countersign.cluster.approval;

import com.hazelcast.cluster.Member;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalProcessors.class);

    private ApprovalProcessors() {
    }

    /**
     * Stores {@code next}, as the version after {@code current}'s and sealed, when it differs from
     * {@code current}; answers {@code answer}, or the value as stored (sealed) when {@code answer} is {@code next}.
     */
    @SuppressWarnings("unchecked")
    static <R> R store(Map.Entry<String, PendingApproval> entry, MemberContext member, PendingApproval current,
                       PendingApproval next, R answer) {
        if (next != current) {
            PendingApproval stored = stored(entry, member, current, next);
            return answer == next ? (R) stored : answer;
        }
        return answer;
    }

    /** Stores {@code next} as the version after {@code current}'s, sealed; answers it as stored. */
    static PendingApproval stored(Map.Entry<String, PendingApproval> entry, MemberContext member, PendingApproval current,
                                  PendingApproval next) {
        PendingApproval stored = member.seal().seal(next.nextVersion(current.version()));
        ((ExtendedMapEntry<String, PendingApproval>) entry).setValueWithoutChangingExpiryTime(stored);
        member.freshness().saw(stored.id(), stored.version());
        return stored;
    }

    /**
     * One transition of one approval (or of each of several, at one time), applied only when the
     * node that submitted it signed it ({@link #authorize}): the holder checks the signature over the
     * kind, the entry's key and every parameter before anything else, so a member that joined without
     * the cluster secret cannot have an honest holder apply a transition it made up.
     */
    abstract static class Transition<R> implements EntryProcessor<String, PendingApproval, R>, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private String authorization;
        private transient HazelcastInstance member;
        /** The time of the holding member's clock this transition is applied at, fixed at its first entry. */
        private transient Instant appliedAt;

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        /** The member applying this transition as its primary; null where a backup replica applies it. */
        final HazelcastInstance instance() {
            return member;
        }

        /** Signs this transition for the entry {@code key}; answers it, ready to submit. */
        @SuppressWarnings("unchecked")
        <T extends Transition<R>> T authorize(ApprovalSeal seal, String key) {
            this.authorization = seal.operation(kind(), key, params());
            return (T) this;
        }

        @Override
        public final R process(Map.Entry<String, PendingApproval> entry) {
            MemberContext context = MemberContext.of(member);
            if (signed() && !context.seal().authorizes(authorization, kind(), entry.getKey(), params())) {
                throw TamperedStateException.unsigned(kind(), entry.getKey());
            }
            context.standing().require(member, true);
            if (appliedAt == null) {
                appliedAt = context.clock().instant();
            }
            PendingApproval current = entry.getValue();
            if (current == null) {
                return absent(entry, context, appliedAt);
            }
            if (!current.id().equals(entry.getKey()) || !context.seal().holds(current)) {
                throw new TamperedStateException("approval", entry.getKey());
            }
            context.freshness().require(current.id(), current.version());
            return apply(entry, current, appliedAt, context);
        }

        @Override
        public EntryProcessor<String, PendingApproval, R> getBackupProcessor() {
            return backupOf(this, appliedAt, MemberContext.of(member).seal());
        }

        /** The kind of transition, as signed. */
        abstract String kind();

        /** Every parameter of the transition, as signed. */
        abstract Object[] params();

        /** Whether the transition must be signed; one that cannot do harm whoever submits it need not be. */
        boolean signed() {
            return true;
        }

        /** The transition of {@code current}, the entry's approval, at {@code now}; updates the entry when it changes. */
        abstract R apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member);

        /** What the transition does to an entry that holds no approval: nothing, by default. */
        R absent(Map.Entry<String, PendingApproval> entry, MemberContext member, Instant now) {
            return null;
        }
    }

    /** {@code primary} as its backup replicas apply it: at {@code at}, the primary's time, signed with {@code seal}. */
    static <R> Backup<R> backupOf(Transition<R> primary, Instant at, ApprovalSeal seal) {
        return new Backup<>(primary, at, seal.operation("backup", String.valueOf(primary.authorization), primary.kind(), at));
    }

    /**
     * A transition as a backup replica applies it: what the primary applied, at the primary's time,
     * signed by the primary over both, without checking the standing or the freshness again. A replica
     * whose value fails its seal is left as it is. Only a backup replica applies one: the member that
     * owns the key's partition refuses it (logged and counted as tampered), since a captured backup
     * submitted as an operation of its own would otherwise re-apply an old transition, at its old
     * time, past every check the primary makes.
     */
    static final class Backup<R> implements EntryProcessor<String, PendingApproval, R>, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private final Transition<R> primary;
        private final Instant at;
        private final String authorization;
        private transient HazelcastInstance member;

        Backup(Transition<R> primary, Instant at, String authorization) {
            this.primary = primary;
            this.at = at;
            this.authorization = authorization;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public R process(Map.Entry<String, PendingApproval> entry) {
            MemberContext context = MemberContext.of(member);
            Member owner = member.getPartitionService().getPartition(entry.getKey()).getOwner();
            if (owner == null || owner.localMember()) {
                TamperedStateException refusal = TamperedStateException.backupAsOperation(primary.kind(), entry.getKey());
                LOG.error("{}", refusal.getMessage());
                throw context.tampering().counted(refusal);
            }
            ApprovalSeal seal = context.seal();
            if (at == null || !seal.authorizes(authorization, "backup", String.valueOf(primary.authorization), primary.kind(), at)
                    || (primary.signed() && !seal.authorizes(primary.authorization, primary.kind(), entry.getKey(), primary.params()))) {
                throw TamperedStateException.unsigned("backup " + primary.kind(), entry.getKey());
            }
            PendingApproval current = entry.getValue();
            if (current == null) {
                return primary.absent(entry, context, at);
            }
            return current.id().equals(entry.getKey()) && seal.holds(current) ? primary.apply(entry, current, at, context) : null;
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
        String kind() {
            return "create";
        }

        @Override
        Object[] params() {
            return new Object[] {proposed, keepSeconds};
        }

        @Override
        PendingApproval absent(Map.Entry<String, PendingApproval> entry, MemberContext member, Instant now) {
            if (!proposed.id().equals(entry.getKey()) || proposed.status() != ApprovalStatus.PENDING || !proposed.votes().isEmpty()
                    || proposed.decidedAt() != null || proposed.redeemedAt() != null) {
                throw TamperedStateException.unsigned("creation of an approval that is not new", entry.getKey());
            }
            PendingApproval created = member.seal().seal(proposed.createdAt(now));
            long ttl = Math.max(1, proposed.requirement().ttl().getSeconds() + keepSeconds);
            ((ExtendedMapEntry<String, PendingApproval>) entry).setValue(created, ttl, TimeUnit.SECONDS);
            member.freshness().saw(created.id(), created.version());
            return created;
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
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
        String kind() {
            return "vote";
        }

        @Override
        Object[] params() {
            return new Object[] {vote.reviewer(), vote.reviewerGroups(), vote.choice().name(), vote.comment(), vote.node(), vote.channel(),
                    vote.castId()};
        }

        @Override
        VoteResult apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            VoteResult result = current.vote(vote.at(now));
            PendingApproval stored = store(entry, member, current, result.approval(), result.approval());
            return new VoteResult(result.outcome(), result.reason(), stored, result.transition());   // sealed: the caller checks it
        }
    }

    /** Expires a pending approval past its expiry; answers the approval when this call expired it, else null. */
    static final class Expire extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;

        @Override
        String kind() {
            return "expire";
        }

        @Override
        Object[] params() {
            return new Object[0];
        }

        /** Expiring only what is past its expiry by the holder's clock is harmless, whoever asks. */
        @Override
        boolean signed() {
            return false;
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            PendingApproval next = current.at(now);
            return next == current ? null : store(entry, member, current, next, next);
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
        String kind() {
            return "redeem";
        }

        @Override
        Object[] params() {
            return new Object[] {contextHash, decisionId, required, client};
        }

        @Override
        RedeemResult apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            RedeemResult result = current.redeem(contextHash, decisionId, now, required, client);
            PendingApproval stored = store(entry, member, current, result.approval(), result.approval());
            return new RedeemResult(result.granted(), result.reason(), stored, result.transition());   // sealed: the caller checks it
        }
    }

    /**
     * Adds a callback URL to an approval, decided or not (a decided one's outcome is then sent to it
     * too); answers the approval as it now stands.
     */
    static final class AddCallback extends Transition<PendingApproval> {
        private static final long serialVersionUID = 1L;
        private final String url;

        AddCallback(String url) {
            this.url = url;
        }

        @Override
        String kind() {
            return "callback";
        }

        @Override
        Object[] params() {
            return new Object[] {url};
        }

        @Override
        PendingApproval apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            PendingApproval next = current.at(now).withCallback(url);
            return store(entry, member, current, next, next);
        }
    }

    /** Records the outcome of the decision that redeemed the approval, once (see {@link ApprovalStore#reportOutcome}). */
    static final class ReportOutcome extends Transition<ApprovalStore.OutcomeReport> {
        private static final long serialVersionUID = 1L;
        private final String decisionId;
        private final java.util.LinkedHashMap<String, String> details;

        ReportOutcome(String decisionId, Map<String, String> details) {
            this.decisionId = decisionId;
            this.details = new java.util.LinkedHashMap<>(details);
        }

        @Override
        String kind() {
            return "outcome";
        }

        @Override
        Object[] params() {
            return new Object[] {decisionId, new java.util.TreeMap<>(details).toString()};
        }

        @Override
        ApprovalStore.OutcomeReport apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now,
                                          MemberContext member) {
            if (!decisionId.equals(current.redeemedBy())) {
                return ApprovalStore.OutcomeReport.NOT_REDEEMED;
            }
            for (ApprovalEvent e : current.log().events()) {
                if (e.type().equals(ApprovalEvent.OUTCOME)) {
                    return e.details().equals(details) ? ApprovalStore.OutcomeReport.REPEATED : ApprovalStore.OutcomeReport.CONFLICT;
                }
            }
            stored(entry, member, current, current.withLog(current.log().with(ApprovalEvent.OUTCOME, now, details)));
            return ApprovalStore.OutcomeReport.RECORDED;
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
            PendingApproval a = entry.getValue();   // the reader checks it is this key's and sealed
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
