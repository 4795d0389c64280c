package dev.countersign.cluster.approval;

import dev.countersign.rules.Identities;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An action held for human approval, and everything that happened to it. Immutable: each transition
 * returns a new value, and the store applies transitions atomically where the entry lives, so votes
 * arriving at several nodes at once are neither lost nor double-counted. Transitions are functions of
 * their inputs (the time included: the member that holds the entry passes its own clock), so a
 * backup replica applying the same transition reaches the same value.
 *
 * <p>Rules: a vote counts only from a reviewer in a required group who is neither the requester nor
 * whom the requester acts for (identities compared as identities), once per reviewer (an identical
 * repeat changes nothing). Any counted deny denies. The approval is approved once every required
 * group has its quorum of distinct approvers ({@link Tally}: with {@code distinctReviewers}, one person
 * fills one group's place). Past {@code expiresAt} a pending approval is expired. A decided approval is
 * final. An approved approval is a grant for the exact action context it was asked for
 * ({@code contextHash}), usable once, until {@code decidedAt + ttl}. A transition retried after a
 * failover (the same cast id; the same redeeming decision) answers as it did the first time.
 *
 * <p>{@code version} counts the changes the holders stored, and {@code seal} is the {@link ApprovalSeal}
 * of every other field, set by the member that stores the value; a value whose seal does not match
 * was changed outside Countersign and is refused, and so is one older than a version a member has
 * already seen ({@link dev.countersign.cluster.Freshness}).
 *
 * <p>{@code log} holds the events of these transitions ({@link ApprovalLog}): each transition that
 * changes the approval appends its event in the same step, so what is stored and what is announced
 * never part.
 *
 * @param context the action context, masked as in the audit log, as JSON
 * @param decision the decision that held the action, as JSON
 * @param callbacks URLs to tell the outcome when it is decided
 * @param decidedBy the reviewer whose vote decided it, or {@code expiry}
 * @param redeemedBy the id of the decision that used the grant
 */
public record PendingApproval(String id, String decisionId, String createdBy, Instant createdAt, Instant expiresAt,
                              Requester requester, Requirement requirement, boolean distinctReviewers, String contextHash,
                              String context, String decision, String bundleRevision, List<String> callbacks,
                              ApprovalStatus status, List<Vote> votes, Instant decidedAt, String decidedBy, Instant redeemedAt,
                              String redeemedBy, ApprovalLog log, long version, String seal)
        implements Serializable {

    public static final String EXPIRY = "expiry";
    /** The most callback URLs one approval tells its outcome to. */
    public static final int MAX_CALLBACKS = 10;
    /** The prefix of a callback URL's sink name. */
    public static final String CALLBACK_SINK = "callback:";

    public PendingApproval {
        callbacks = List.copyOf(callbacks);
        votes = List.copyOf(votes);
        log = log == null ? ApprovalLog.of(List.of()) : log;
    }

    /** A new pending approval without votes, in which one person counts for one group. */
    public static PendingApproval pending(String id, String decisionId, String node, Instant now, Requester requester,
                                          Requirement requirement, String contextHash, String context, String decision,
                                          String bundleRevision, List<String> callbacks) {
        return pending(id, decisionId, node, now, requester, requirement, true, contextHash, context, decision, bundleRevision, callbacks);
    }

    /** A new pending approval without votes, whose events no sink takes. */
    public static PendingApproval pending(String id, String decisionId, String node, Instant now, Requester requester,
                                          Requirement requirement, boolean distinctReviewers, String contextHash, String context,
                                          String decision, String bundleRevision, List<String> callbacks) {
        return pending(id, decisionId, node, now, requester, requirement, distinctReviewers, contextHash, context, decision,
                bundleRevision, callbacks, ApprovalLog.of(List.of()));
    }

    /**
     * A new pending approval without votes, its events for the sinks of {@code log} (each callback URL
     * is a sink of its own, {@link #callbackSink}).
     */
    public static PendingApproval pending(String id, String decisionId, String node, Instant now, Requester requester,
                                          Requirement requirement, boolean distinctReviewers, String contextHash, String context,
                                          String decision, String bundleRevision, List<String> callbacks, ApprovalLog log) {
        ApprovalLog withCallbacks = log;
        for (String url : callbacks) {
            withCallbacks = withCallbacks.withSink(callbackSink(url), true);
        }
        return new PendingApproval(id, decisionId, node, now, now.plus(requirement.ttl()), requester, requirement, distinctReviewers,
                contextHash, context, decision, bundleRevision, callbacks, ApprovalStatus.PENDING, List.of(), null, null, null, null,
                withCallbacks, 0, null);
    }

    /** The sink that tells {@code url} the outcome. */
    public static String callbackSink(String url) {
        return CALLBACK_SINK + url;
    }

    /**
     * The same approval created at {@code now} (the clock of the member that stores it), expiring a ttl
     * later, with its first event.
     */
    public PendingApproval createdAt(Instant now) {
        ApprovalLog created = log.createdAt(now).with(ApprovalEvent.CREATED, now, Map.of("status", status.wireName()));
        return new PendingApproval(id, decisionId, createdBy, now, now.plus(requirement.ttl()), requester, requirement, distinctReviewers,
                contextHash, context, decision, bundleRevision, callbacks, status, votes, decidedAt, decidedBy, redeemedAt, redeemedBy,
                created, version, null);
    }

    /** This approval as it stands at {@code now}: expired if it was pending past its expiry. */
    public PendingApproval at(Instant now) {
        if (status == ApprovalStatus.PENDING && !now.isBefore(expiresAt)) {
            return with(ApprovalStatus.EXPIRED, votes, now, EXPIRY, log);
        }
        return this;
    }

    /** This value carrying {@code seal} (the seal of its other fields). */
    public PendingApproval sealedWith(String seal) {
        return new PendingApproval(id, decisionId, createdBy, createdAt, expiresAt, requester, requirement, distinctReviewers,
                contextHash, context, decision, bundleRevision, callbacks, status, votes, decidedAt, decidedBy, redeemedAt, redeemedBy, log,
                version, seal);
    }

    /** The next stored version of this value: its version one higher, as the holder stores it after a change. */
    public PendingApproval nextVersion(long after) {
        return new PendingApproval(id, decisionId, createdBy, createdAt, expiresAt, requester, requirement, distinctReviewers,
                contextHash, context, decision, bundleRevision, callbacks, status, votes, decidedAt, decidedBy, redeemedAt, redeemedBy,
                log, after + 1, null);
    }

    /** Applies {@code v}, cast at {@code v.at()}. */
    public VoteResult vote(ReviewerVote v) {
        PendingApproval current = at(v.at());
        ApprovalStatus expiredNow = current.status != status ? current.status : null;
        Vote earlier = current.voteOf(v.reviewer());
        if (earlier != null && v.castId() != null && v.castId().equals(earlier.castId())) {
            // The same cast, run again after a failover: answered as the first time.
            boolean decidedIt = current.status.isFinal() && Identities.same(v.reviewer(), current.decidedBy)
                    && earlier.at().equals(current.decidedAt);
            return new VoteResult(VoteResult.Outcome.ACCEPTED, null, current, decidedIt ? current.status : null);
        }
        List<String> countsFor = new ArrayList<>();
        for (String group : requirement.groups()) {
            if (v.reviewerGroups().contains(group)) {
                countsFor.add(group);
            }
        }
        if (countsFor.isEmpty()) {
            // First, and changing nothing (not even an expiry): someone outside its groups learns nothing of it.
            return new VoteResult(VoteResult.Outcome.NOT_A_REVIEWER, v.reviewer() + " is in none of the required groups "
                    + requirement.groups(), this, null);
        }
        if (earlier != null && earlier.choice() == v.choice()) {
            return new VoteResult(VoteResult.Outcome.REPEATED, v.reviewer() + " already voted " + v.choice().wireName(), current, expiredNow);
        }
        if (current.status.isFinal()) {
            return new VoteResult(VoteResult.Outcome.DECIDED, "approval " + id + " is " + current.status.wireName()
                    + (current.decidedAt == null ? "" : " since " + current.decidedAt) + "; a decided approval is final", current, expiredNow);
        }
        if (requester.is(v.reviewer())) {
            return new VoteResult(VoteResult.Outcome.SELF_APPROVAL, v.reviewer() + " asked for this action"
                    + requester.how(v.reviewer()) + " and may not approve it", current, null);
        }
        if (earlier != null) {
            return new VoteResult(VoteResult.Outcome.ALREADY_VOTED, v.reviewer() + " already voted " + earlier.choice().wireName()
                    + " at " + earlier.at() + "; one vote per reviewer", current, null);
        }
        List<Vote> votes = new ArrayList<>(current.votes);
        votes.add(new Vote(v.reviewer(), v.choice(), v.comment(), v.at(), v.node(), v.channel(), countsFor, v.castId()));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("reviewer", v.reviewer());
        details.put("vote", v.choice().wireName());
        if (v.comment() != null) {
            details.put("comment", v.comment());
        }
        if (v.channel() != null) {
            details.put("channel", v.channel());
        }
        ApprovalStatus after = v.choice() == Choice.DENY ? ApprovalStatus.DENIED
                : Tally.met(requirement, votes, distinctReviewers) ? ApprovalStatus.APPROVED : ApprovalStatus.PENDING;
        details.put("status", after.wireName());
        ApprovalLog voted = current.log.with(ApprovalEvent.VOTE, v.at(), details);
        PendingApproval next = after.isFinal() ? current.with(after, votes, v.at(), v.reviewer(), voted)
                : current.with(after, votes, null, null, voted);
        return new VoteResult(VoteResult.Outcome.ACCEPTED, null, next, next.status != ApprovalStatus.PENDING ? next.status : null);
    }

    /** Uses the grant for the action context hashing to {@code hash}, by decision {@code byDecision}. */
    public RedeemResult redeem(String hash, String byDecision, Instant now) {
        return redeem(hash, byDecision, now, null, null);
    }

    /**
     * As {@link #redeem(String, String, Instant)}, also refusing a grant that does not meet what the
     * rules require now ({@code required}, when given) and a client other than the one that asked
     * ({@code client}, when given and recorded).
     */
    public RedeemResult redeem(String hash, String byDecision, Instant now, Requirement required, String client) {
        if (client != null && requester.client() != null && !requester.client().equals(client)) {
            // First, and changing nothing: another client learns nothing of it, as of an id that does not exist.
            return new RedeemResult(false, "approval " + id + " is unknown", this, null);
        }
        if (redeemedAt != null && byDecision.equals(redeemedBy)) {
            // The same redemption, run again after a failover: answered as the first time.
            return new RedeemResult(true, null, this, null);
        }
        PendingApproval current = at(now);
        ApprovalStatus expiredNow = current.status != status ? current.status : null;
        if (current.status != ApprovalStatus.APPROVED) {
            return new RedeemResult(false, "approval " + id + " is " + current.status.wireName() + ", not approved", current, expiredNow);
        }
        if (current.redeemedAt != null) {
            return new RedeemResult(false, "approval " + id + " was already used, by decision " + current.redeemedBy + " at "
                    + current.redeemedAt + "; a grant is used once", current, null);
        }
        if (!now.isBefore(current.decidedAt.plus(requirement.ttl()))) {
            return new RedeemResult(false, "approval " + id + " was granted at " + current.decidedAt + " and could be used until "
                    + current.decidedAt.plus(requirement.ttl()), current, null);
        }
        if (!current.contextHash.equals(hash)) {
            return new RedeemResult(false, "approval " + id + " was granted for another action context", current, null);
        }
        if (required != null && !requirement.covers(required)) {
            return new RedeemResult(false, "approval " + id + " met " + requirement.quorum() + " within " + requirement.ttl()
                    + ", but the rules now require " + required.quorum() + " within " + required.ttl(), current, null);
        }
        ApprovalLog redeemed = current.log.with(ApprovalEvent.REDEEMED, now, Map.of("status", "redeemed", "decision_id", byDecision));
        PendingApproval used = new PendingApproval(id, decisionId, createdBy, createdAt, expiresAt, requester, requirement,
                distinctReviewers, contextHash, context, decision, bundleRevision, callbacks, status, votes, decidedAt, decidedBy, now,
                byDecision, redeemed, version, null);
        return new RedeemResult(true, null, used, null);
    }

    /**
     * The same approval, telling its outcome to one more callback URL too (also when it is already
     * decided: the new sink takes the outcome event recorded before it); unchanged when the URL is
     * already there or {@value #MAX_CALLBACKS} are (so repeated asks cannot fan one outcome out without bound).
     */
    public PendingApproval withCallback(String url) {
        if (url == null || callbacks.contains(url) || callbacks.size() >= MAX_CALLBACKS) {
            return this;
        }
        List<String> more = new ArrayList<>(callbacks);
        more.add(url);
        return new PendingApproval(id, decisionId, createdBy, createdAt, expiresAt, requester, requirement, distinctReviewers,
                contextHash, context, decision, bundleRevision, more, status, votes, decidedAt, decidedBy, redeemedAt, redeemedBy,
                log.withSink(callbackSink(url), true), version, null);
    }

    /** The same approval with its log replaced (a delivery settled, a reminder sent). */
    PendingApproval withLog(ApprovalLog next) {
        return next.equals(log) ? this : new PendingApproval(id, decisionId, createdBy, createdAt, expiresAt, requester, requirement,
                distinctReviewers, contextHash, context, decision, bundleRevision, callbacks, status, votes, decidedAt, decidedBy,
                redeemedAt, redeemedBy, next, version, null);
    }

    /** Whether {@code other} answers the same ask: the same action context, asking client and requirement. */
    public boolean sameAskAs(PendingApproval other) {
        return contextHash.equals(other.contextHash) && java.util.Objects.equals(requester.client(), other.requester.client())
                && requirement.equals(other.requirement);
    }

    public Vote voteOf(String reviewer) {
        for (Vote v : votes) {
            if (Identities.same(v.reviewer(), reviewer)) {
                return v;
            }
        }
        return null;
    }

    /** Distinct approvers so far, per required group ({@link Tally}). */
    public Map<String, Integer> approvals() {
        return Tally.approvers(requirement, votes, distinctReviewers);
    }

    /** The approval with a new status and votes; a final status records its event and ends the reminders. */
    private PendingApproval with(ApprovalStatus newStatus, List<Vote> newVotes, Instant at, String by, ApprovalLog events) {
        ApprovalLog next = events;
        if (newStatus.isFinal()) {
            next = events.with(newStatus.wireName(), at, Map.of("status", newStatus.wireName(), "decided_by", by)).withoutReminders();
        }
        return new PendingApproval(id, decisionId, createdBy, createdAt, expiresAt, requester, requirement, distinctReviewers,
                contextHash, context, decision, bundleRevision, callbacks, newStatus, newVotes, at, by, redeemedAt, redeemedBy, next, version,
                null);
    }

    /** Whether some sink has events to take. */
    public boolean undelivered() {
        return log.dueAt() != null;
    }
}
