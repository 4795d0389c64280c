package dev.countersign.cluster.approval;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.PagingPredicate;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.StandingException;
import dev.countersign.cluster.TamperedStateException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ApprovalStore} on two Hazelcast maps: {@value #APPROVALS} (id to approval, with a backup on
 * another member, kept a week past expiry) and {@value #ASKS} (an ask's key to the id of its latest
 * approval; a stale entry is simply re-pointed). Every transition, creation included, is an entry
 * processor on the entry, applied at the clock of the member that holds it ({@link ApprovalProcessors}).
 * Every approval read is checked against its seal; one that fails is refused
 * ({@link TamperedStateException}), logged and counted ({@link #tampered()}), and queries leave it
 * out where it is held, before they sort or page ({@link SealedApproval}), so whatever is left in the
 * map by something without the cluster secret never fails a read.
 * Every call fails with a {@link StandingException} while this node does not stand well in its cluster.
 */
public final class HazelcastApprovalStore implements ApprovalStore {
    public static final String APPROVALS = "countersign.approvals";
    public static final String ASKS = "countersign.approval-asks";
    /** The attribute of the client that asked for an approval, indexed for counting a client's pending approvals. */
    public static final String CLIENT = "requester.client";
    /** Decided approvals are kept this long past their expiry, for reading and auditing. */
    static final Duration KEEP_DECIDED = Duration.ofDays(7);
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastApprovalStore.class);

    private final HazelcastInstance hazelcast;
    private final IMap<String, PendingApproval> approvals;
    private final IMap<String, String> asks;

    /** A store over the maps of {@code hazelcast}, a member started with {@link dev.countersign.cluster.ClusterSettings#applyTo}. */
    public HazelcastApprovalStore(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        MemberContext.of(hazelcast);   // fails now, not at the first call, on a member not started by Countersign
        this.approvals = hazelcast.getMap(APPROVALS);
        this.asks = hazelcast.getMap(ASKS);
    }

    private MemberContext member() {
        return MemberContext.of(hazelcast);
    }

    /**
     * How long a call waits out a standing problem that passes by itself before it is refused: a member
     * that joins (a restart, a new node) publishes its proof just after the others see it
     * ({@code unproven_member}), and a member that resumes after a pause (a stalled VM, a long
     * collection) measures the cluster's clock from heartbeats that queued while it was paused, so
     * for a heartbeat or two it reads its own clock as seconds off ({@code clock_skew}).
     */
    static final Duration PASSING_PROBLEMS_AWAITED = Duration.ofSeconds(5);
    private static final long STANDING_CHECKED_EVERY_MILLIS = 25;
    private static final Set<String> PASSING_PROBLEMS = Set.of("unproven_member", "clock_skew");

    /**
     * {@code call}, or a failed stage when this node, or the member holding the entry, does not stand
     * well in its cluster. A problem that passes by itself ({@link #PASSING_PROBLEMS_AWAITED}) is waited
     * out, without blocking a thread: the call runs, or runs again, once it is gone. Running again is
     * safe: a holder that refuses a transition for its standing refuses it before changing anything.
     */
    private <T> CompletionStage<T> standing(Supplier<CompletionStage<T>> call) {
        return standing(call, System.nanoTime() + PASSING_PROBLEMS_AWAITED.toNanos());
    }

    private <T> CompletionStage<T> standing(Supplier<CompletionStage<T>> call, long deadline) {
        StandingException problem = member().standing().problem(hazelcast, false);
        if (problem != null) {
            return passing(problem, deadline) ? later(call, deadline) : CompletableFuture.failedFuture(problem);
        }
        return call.get().exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return cause instanceof StandingException refused && passing(refused, deadline) ? later(call, deadline)
                    : CompletableFuture.failedFuture(failure);
        });
    }

    /** Blocks while this node's standing has a problem that passes by itself, up to {@link #PASSING_PROBLEMS_AWAITED}; throws any other, or one that stays. */
    private void awaitStanding() {
        long deadline = System.nanoTime() + PASSING_PROBLEMS_AWAITED.toNanos();
        for (StandingException problem; (problem = member().standing().problem(hazelcast, false)) != null; ) {
            if (!passing(problem, deadline)) {
                throw problem;
            }
            try {
                Thread.sleep(STANDING_CHECKED_EVERY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw problem;
            }
        }
    }

    private static boolean passing(StandingException problem, long deadline) {
        return PASSING_PROBLEMS.contains(problem.code()) && System.nanoTime() < deadline;
    }

    private <T> CompletionStage<T> later(Supplier<CompletionStage<T>> call, long deadline) {
        return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(STANDING_CHECKED_EVERY_MILLIS,
                java.util.concurrent.TimeUnit.MILLISECONDS)).thenCompose(ignored -> standing(call, deadline));
    }

    /** How many times this member refused shared state as tampered since it started ({@link dev.countersign.cluster.Tampering}). */
    public long tampered() {
        return member().tampering().refused();
    }

    /** {@code a}, the approval read for {@code id}, when it is that approval and sealed; else refused, logged and counted. */
    private PendingApproval checked(PendingApproval a, String id) {
        if (a == null) {
            return null;
        }
        if (!id.equals(a.id()) || !member().seal().holds(a)) {
            throw refused(new TamperedStateException("approval", id));
        }
        // Freshness is checked where the entry is held, by each transition: a read may legitimately
        // answer an older version than a write this member saw meanwhile.
        return a;
    }

    private TamperedStateException refused(TamperedStateException refusal) {
        LOG.error("{}", refusal.getMessage());
        return member().tampering().counted(refusal);
    }

    @Override
    public CompletionStage<Created> create(PendingApproval proposed, String askKey) {
        long keep = KEEP_DECIDED.getSeconds();
        return standing(() -> approvals.submitToKey(proposed.id(), new ApprovalProcessors.Create(proposed, keep)
                        .authorize(member().seal(), proposed.id()))
                .thenCompose(stored -> claimAsk(checked(stored, proposed.id()), askKey, 0).whenComplete((created, failure) -> {
                    if (failure != null) {
                        approvals.removeAsync(proposed.id());   // nobody was told of it: leave nothing pending
                    }
                })));
    }

    /**
     * Points the ask at {@code proposed} unless a pending approval of the same ask already answers it.
     * The proposed approval is stored first, so a racing ask never finds an index entry without its
     * approval; the loser of a race removes its own and answers the winner's.
     */
    private CompletionStage<Created> claimAsk(PendingApproval proposed, String askKey, int attempt) {
        return asks.submitToKey(askKey, new ApprovalProcessors.ClaimAsk(proposed.id())).thenCompose(existing -> {
            if (existing == null || existing.equals(proposed.id())) {
                return CompletableFuture.completedFuture(new Created(proposed, false));
            }
            return observe(existing).thenCompose(other -> {
                if (other != null && other.status() == ApprovalStatus.PENDING && other.sameAskAs(proposed)) {
                    CompletionStage<PendingApproval> withCallbacks = CompletableFuture.completedFuture(other);
                    for (String url : proposed.callbacks()) {
                        withCallbacks = withCallbacks.thenCompose(a -> approvals.submitToKey(existing,
                                new ApprovalProcessors.AddCallback(url).authorize(member().seal(), existing)));
                    }
                    return withCallbacks.thenCompose(updated -> approvals.removeAsync(proposed.id())
                            .thenApply(removed -> new Created(updated == null ? other : updated, true)));
                }
                if (attempt >= 5) {
                    return CompletableFuture.completedFuture(new Created(proposed, false));
                }
                return asks.submitToKey(askKey, new ApprovalProcessors.ReplaceAsk(existing, proposed.id()))
                        .thenCompose(replaced -> Boolean.TRUE.equals(replaced)
                                ? CompletableFuture.completedFuture(new Created(proposed, false))
                                : claimAsk(proposed, askKey, attempt + 1));
            }).exceptionallyCompose(failure -> failure instanceof TamperedStateException
                    || failure.getCause() instanceof TamperedStateException
                    // an ask pointing at a forged approval is re-pointed at this one
                    ? asks.submitToKey(askKey, new ApprovalProcessors.ReplaceAsk(existing, proposed.id()))
                            .thenApply(replaced -> new Created(proposed, false))
                    : CompletableFuture.failedFuture(failure));
        });
    }

    /** The approval as its holder sees it now, its seal checked; null when unknown. */
    private CompletionStage<PendingApproval> observe(String id) {
        return approvals.submitToKey(id, new ApprovalProcessors.Inspect())
                .thenApply(seen -> seen == null ? null : checked(seen.approval(), id).at(seen.at()));
    }

    @Override
    public CompletionStage<PendingApproval> get(String id) {
        return standing(() -> observe(id));
    }

    /**
     * {@inheritDoc} The holder's answer is believed only as far as the approval it returns, sealed,
     * records it: a counted or repeated vote must be in it, and a status it moved to must be the
     * approval's.
     */
    @Override
    public CompletionStage<VoteResult> vote(String id, ReviewerVote vote) {
        return standing(() -> approvals.submitToKey(id, new ApprovalProcessors.CastVote(vote).authorize(member().seal(), id))
                .thenApply(result -> {
                    PendingApproval a = result == null || result.approval() == null ? null : checked(result.approval(), id);
                    Vote recorded = a == null ? null : a.voteOf(vote.reviewer());
                    boolean claimsVote = result != null && (result.counted() || result.outcome() == VoteResult.Outcome.REPEATED);
                    if (claimsVote && (recorded == null || recorded.choice() != vote.choice()
                            || result.counted() && vote.castId() != null && !vote.castId().equals(recorded.castId()))) {
                        throw unrecorded("vote", id);
                    }
                    if (result != null && result.transition() != null && (a == null || a.status() != result.transition())) {
                        throw unrecorded("move to " + result.transition().wireName(), id);
                    }
                    return result;
                }));
    }

    /**
     * {@inheritDoc} The holder's answer is believed only as far as the approval it returns, sealed,
     * records it: a grant must be an approved approval for this context, used by this very decision,
     * and a status it moved to must be the approval's.
     */
    @Override
    public CompletionStage<RedeemResult> redeem(String id, String contextHash, String decisionId, Requirement required, String client) {
        return standing(() -> approvals.submitToKey(id,
                new ApprovalProcessors.Redeem(contextHash, decisionId, required, client).authorize(member().seal(), id))
                .thenApply(result -> {
                    PendingApproval a = result == null || result.approval() == null ? null : checked(result.approval(), id);
                    if (result != null && result.granted() && (a == null || a.status() != ApprovalStatus.APPROVED
                            || a.redeemedAt() == null || !decisionId.equals(a.redeemedBy()) || !contextHash.equals(a.contextHash()))) {
                        throw unrecorded("redemption", id);
                    }
                    if (result != null && result.transition() != null && (a == null || a.status() != result.transition())) {
                        throw unrecorded("move to " + result.transition().wireName(), id);
                    }
                    return result;
                }));
    }

    @Override
    public CompletionStage<OutcomeReport> reportOutcome(String id, String decisionId, Map<String, String> details) {
        return standing(() -> approvals.submitToKey(id, new ApprovalProcessors.ReportOutcome(decisionId, details).authorize(member().seal(), id)));
    }

    /** Refuses (logged and counted as tampered) an answer of the holder of {@code id} that its sealed approval does not record. */
    private TamperedStateException unrecorded(String what, String id) {
        return refused(TamperedStateException.unrecorded(what, id));
    }

    @Override
    public CompletionStage<List<PendingApproval>> list(ApprovalStatus status, Set<String> groups, int limit) {
        if (groups != null && groups.isEmpty()) {
            return standing(() -> CompletableFuture.completedFuture(List.of()));
        }
        Instant now = member().clock().instant();
        List<Predicate<String, PendingApproval>> all = new ArrayList<>();
        all.add(SealedApproval.on(hazelcast, true));   // first: nothing else reads what fails it
        if (status == ApprovalStatus.PENDING) {
            all.add(Predicates.equal("status", ApprovalStatus.PENDING));
            all.add(Predicates.greaterThan("expiresAt", now));
        } else if (status == ApprovalStatus.EXPIRED) {
            all.add(Predicates.or(Predicates.equal("status", ApprovalStatus.EXPIRED),
                    Predicates.and(Predicates.equal("status", ApprovalStatus.PENDING), Predicates.lessEqual("expiresAt", now))));
        } else if (status != null) {
            all.add(Predicates.equal("status", status));
        }
        if (groups != null) {
            all.add(Predicates.in("requirement.groups[any]", groups.toArray(new String[0])));
        }
        @SuppressWarnings("unchecked")
        Predicate<String, PendingApproval> filter = Predicates.and(all.toArray(new Predicate[0]));
        return standing(() -> CompletableFuture.supplyAsync(() -> {
            PagingPredicate<String, PendingApproval> newestFirst = Predicates.pagingPredicate(filter, new NewestFirst(), limit);
            List<PendingApproval> found = new ArrayList<>();
            for (Object value : approvals.values(newestFirst)) {
                // What a member without the secret answers for its partitions is checked here again.
                if (!(value instanceof PendingApproval a)) {
                    refused(new TamperedStateException("approval", "of another type in a listing"));
                    continue;
                }
                try {
                    found.add(checked(a, a.id() == null ? "" : a.id()).at(now));
                } catch (TamperedStateException refused) {
                    // left out: logged and counted by checked()
                }
            }
            return List.copyOf(found);
        }));
    }

    /**
     * Orders map entries by their approval's creation, newest first, then by key (runs on every
     * member, so it is serialisable); never throws: what lacks a creation time, or is no approval,
     * sorts last.
     */
    static final class NewestFirst implements Comparator<Map.Entry<String, PendingApproval>>, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private static final Comparator<Instant> NEWEST_FIRST = Comparator.nullsLast(Comparator.<Instant>reverseOrder());

        @Override
        public int compare(Map.Entry<String, PendingApproval> a, Map.Entry<String, PendingApproval> b) {
            int byTime = NEWEST_FIRST.compare(createdAt(a.getValue()), createdAt(b.getValue()));
            return byTime != 0 ? byTime : String.valueOf((Object) a.getKey()).compareTo(String.valueOf((Object) b.getKey()));
        }

        private static Instant createdAt(Object value) {
            return value instanceof PendingApproval p ? p.createdAt() : null;
        }
    }

    @Override
    public List<PendingApproval> expireOwnDue() {
        if (member().standing().problem(hazelcast, false) != null) {
            return List.of(); // a member that does not stand well decides nothing, not even expiry
        }
        Set<String> own = approvals.localKeySet(Predicates.and(SealedApproval.on(hazelcast, false),
                Predicates.equal("status", ApprovalStatus.PENDING), Predicates.lessEqual("expiresAt", member().clock().instant())));
        if (own.isEmpty()) {
            return List.of();
        }
        Map<String, PendingApproval> expired = approvals.executeOnKeys(own, new ApprovalProcessors.Expire());
        List<PendingApproval> result = new ArrayList<>();
        for (PendingApproval a : expired.values()) {
            if (a != null) {
                result.add(a);
            }
        }
        return result;
    }

    @Override
    public CompletionStage<Claimed> claim(String id, String node, Duration lease) {
        return standing(() -> approvals.submitToKey(id, new DeliveryProcessors.Claim(claimer(node), lease).authorize(member().seal(), id))
                .thenApply(claimed -> claimed == null ? null : new Claimed(checked(claimed.approval(), id), claimed.deliveries())));
    }

    /** {@code node}'s claims as this member's: they lapse when this member leaves the cluster. */
    private String claimer(String node) {
        return DeliveryProcessors.claimer(node, hazelcast.getCluster().getLocalMember().getUuid());
    }

    @Override
    public CompletionStage<Boolean> settle(String id, String sink, String node, Settlement settlement) {
        return standing(() -> approvals.submitToKey(id, new DeliveryProcessors.Settle(sink, claimer(node), settlement)
                .authorize(member().seal(), id)).thenApply(Boolean.TRUE::equals));
    }

    @Override
    public CompletionStage<Boolean> remind(String id, List<String> escalation) {
        return standing(() -> approvals.submitToKey(id, new DeliveryProcessors.Remind(escalation).authorize(member().seal(), id))
                .thenApply(Boolean.TRUE::equals));
    }

    /** How far ahead of now the claims are looked at whose claimer may have left (longer than any lease). */
    private static final Duration CLAIMS_LOOKED_AHEAD = Duration.ofMinutes(5);

    @Override
    public Due ownDue() {
        if (member().standing().problem(hazelcast, false) != null) {
            return new Due(Set.of(), Set.of());   // a member that does not stand well delivers nothing
        }
        Instant now = member().clock().instant();
        Set<String> events = new java.util.HashSet<>(approvals.localKeySet(Predicates.and(SealedApproval.on(hazelcast, false),
                Predicates.lessEqual("log.dueAt", now))));
        // Claimed by a member that has left: due now, not when its lease runs out.
        Set<String> waiting = approvals.localKeySet(Predicates.and(SealedApproval.on(hazelcast, false),
                Predicates.greaterThan("log.dueAt", now), Predicates.lessEqual("log.dueAt", now.plus(CLAIMS_LOOKED_AHEAD))));
        if (!waiting.isEmpty()) {
            approvals.getAll(waiting).forEach((id, a) -> {
                if (a != null && a.log() != null && !DeliveryProcessors.departed(a.log(), hazelcast).isEmpty()) {
                    events.add(id);
                }
            });
        }
        Set<String> reminders = approvals.localKeySet(Predicates.and(SealedApproval.on(hazelcast, false),
                Predicates.equal("status", ApprovalStatus.PENDING), Predicates.lessEqual("log.remindAt", now)));
        return new Due(Set.copyOf(events), Set.copyOf(reminders));
    }

    @Override
    public AutoCloseable onOwnChange(java.util.function.Consumer<PendingApproval> listener) {
        OwnChanges changes = new OwnChanges(listener);
        java.util.UUID registration = approvals.addLocalEntryListener(changes, Predicates.alwaysTrue(), true);
        return () -> approvals.removeEntryListener(registration);
    }

    /** Hands each approval this member holds, as added or updated, to a listener; the listener checks nothing it does not use. */
    private record OwnChanges(java.util.function.Consumer<PendingApproval> listener)
            implements com.hazelcast.map.listener.EntryAddedListener<String, PendingApproval>,
            com.hazelcast.map.listener.EntryUpdatedListener<String, PendingApproval> {
        @Override
        public void entryAdded(com.hazelcast.core.EntryEvent<String, PendingApproval> event) {
            deliver(event.getValue());
        }

        @Override
        public void entryUpdated(com.hazelcast.core.EntryEvent<String, PendingApproval> event) {
            deliver(event.getValue());
        }

        private void deliver(PendingApproval a) {
            if (a != null) {
                listener.accept(a);
            }
        }
    }

    @Override
    public long pendingCount() {
        return approvals.aggregate(com.hazelcast.aggregation.Aggregators.count(),
                Predicates.and(SealedApproval.on(hazelcast, false), Predicates.equal("status", ApprovalStatus.PENDING)));
    }

    @Override
    public long pendingCountOf(String client) {
        return approvals.aggregate(Aggregators.count(), pendingOfClient(client));
    }

    @Override
    public Instant earliestExpiryOf(String client) {
        return approvals.aggregate(Aggregators.<Map.Entry<String, PendingApproval>, Instant>comparableMin("expiresAt"),
                pendingOfClient(client));
    }

    /**
     * The sealed approvals {@code client} asked for, pending and not past their expiry by this
     * member's clock; waits out a passing problem of this node's standing, blocking the caller (off an
     * event loop), and throws when it stays or is of another kind. Only the client is looked up in an
     * index: pending and unexpired are checked on that client's entries ({@link PendingAt}), before
     * their seal, so the cost follows the client's approvals, not the cluster's.
     */
    @SuppressWarnings("unchecked")
    private Predicate<String, PendingApproval> pendingOfClient(String client) {
        awaitStanding();
        Instant now = member().clock().instant();
        return Predicates.and(Predicates.equal(CLIENT, client == null ? "" : client), new PendingAt(now), SealedApproval.on(hazelcast, false));
    }

    @Override
    public CompletionStage<PendingApproval> pendingFor(String askKey) {
        return standing(() -> asks.getAsync(askKey).thenCompose(id -> id == null ? CompletableFuture.<PendingApproval>completedFuture(null)
                : observe(id).thenApply(a -> a != null && a.status() == ApprovalStatus.PENDING ? a : null)));
    }

    @Override
    public CompletionStage<PendingApproval> latestFor(String askKey) {
        return standing(() -> asks.getAsync(askKey).thenCompose(id -> id == null ? CompletableFuture.<PendingApproval>completedFuture(null)
                : observe(id)));
    }
}
