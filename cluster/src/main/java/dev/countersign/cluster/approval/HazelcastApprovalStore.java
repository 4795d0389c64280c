package dev.countersign.cluster.approval;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterMinorityException;
import dev.countersign.cluster.Majority;
import com.hazelcast.map.IMap;
import com.hazelcast.query.PagingPredicate;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@link ApprovalStore} on two Hazelcast maps: {@value #APPROVALS} (id to approval, with a backup on
 * another member, kept a week past expiry) and {@value #ASKS} (an ask's key to the id of its latest
 * approval; a stale entry is simply re-pointed). Every transition is an entry processor on the entry.
 */
public final class HazelcastApprovalStore implements ApprovalStore {
    public static final String APPROVALS = "countersign.approvals";
    public static final String ASKS = "countersign.approval-asks";
    /** Decided approvals are kept this long past their expiry, for reading and auditing. */
    static final Duration KEEP_DECIDED = Duration.ofDays(7);

    private final IMap<String, PendingApproval> approvals;
    private final IMap<String, String> asks;
    private final Majority majority;

    public HazelcastApprovalStore(HazelcastInstance hazelcast) {
        this(hazelcast, Majority.none(hazelcast));
    }

    /** A store that refuses every call, with {@link ClusterMinorityException}, while {@code majority} is absent. */
    public HazelcastApprovalStore(HazelcastInstance hazelcast, Majority majority) {
        this.approvals = hazelcast.getMap(APPROVALS);
        this.asks = hazelcast.getMap(ASKS);
        this.majority = majority;
    }

    /** {@code call}, or a failed stage when this node is in a minority. */
    private <T> CompletionStage<T> withMajority(java.util.function.Supplier<CompletionStage<T>> call) {
        try {
            majority.require();
        } catch (ClusterMinorityException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call.get();
    }

    @Override
    public CompletionStage<Created> create(PendingApproval proposed, String askKey) {
        long keep = Duration.between(Instant.now(), proposed.expiresAt()).plus(KEEP_DECIDED).toSeconds();
        return withMajority(() -> approvals.setAsync(proposed.id(), proposed, Math.max(keep, 1), TimeUnit.SECONDS)
                .thenCompose(stored -> claimAsk(proposed, askKey, 0).whenComplete((created, failure) -> {
                    if (failure != null) {
                        approvals.removeAsync(proposed.id());   // nobody was told of it: leave nothing pending
                    }
                })));
    }

    /**
     * Points the ask at {@code proposed} unless a pending approval already answers it. The proposed
     * approval is stored first, so a racing ask never finds an index entry without its approval;
     * the loser of a race removes its own and answers the winner's.
     */
    private CompletionStage<Created> claimAsk(PendingApproval proposed, String askKey, int attempt) {
        return asks.submitToKey(askKey, new ApprovalProcessors.ClaimAsk(proposed.id())).thenCompose(existing -> {
            if (existing == null || existing.equals(proposed.id())) {
                return CompletableFuture.completedFuture(new Created(proposed, false));
            }
            Instant now = Instant.now();
            return approvals.getAsync(existing).thenCompose(other -> {
                if (other != null && other.at(now).status() == ApprovalStatus.PENDING) {
                    CompletionStage<PendingApproval> withCallbacks = CompletableFuture.completedFuture(other);
                    for (String url : proposed.callbacks()) {
                        withCallbacks = withCallbacks.thenCompose(a -> approvals.submitToKey(existing, new ApprovalProcessors.AddCallback(url, now, majority.minMembers())));
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
            });
        });
    }

    @Override
    public CompletionStage<PendingApproval> get(String id) {
        Instant now = Instant.now();
        return withMajority(() -> approvals.getAsync(id).thenApply(a -> a == null ? null : a.at(now)));
    }

    @Override
    public CompletionStage<VoteResult> vote(String id, ReviewerVote vote) {
        return withMajority(() -> approvals.submitToKey(id, new ApprovalProcessors.CastVote(vote, majority.minMembers())));
    }

    @Override
    public CompletionStage<RedeemResult> redeem(String id, String contextHash, String decisionId, Instant now, Requirement required,
                                                String client) {
        return withMajority(() -> approvals.submitToKey(id, new ApprovalProcessors.Redeem(contextHash, decisionId, now, required, client, majority.minMembers())));
    }

    @Override
    public CompletionStage<List<PendingApproval>> list(ApprovalStatus status, String group, int limit) {
        Instant now = Instant.now();
        List<Predicate<String, PendingApproval>> all = new ArrayList<>();
        if (status == ApprovalStatus.PENDING) {
            all.add(Predicates.equal("status", ApprovalStatus.PENDING));
            all.add(Predicates.greaterThan("expiresAt", now));
        } else if (status == ApprovalStatus.EXPIRED) {
            all.add(Predicates.or(Predicates.equal("status", ApprovalStatus.EXPIRED),
                    Predicates.and(Predicates.equal("status", ApprovalStatus.PENDING), Predicates.lessEqual("expiresAt", now))));
        } else if (status != null) {
            all.add(Predicates.equal("status", status));
        }
        if (group != null) {
            all.add(Predicates.equal("requirement.groups[any]", group));
        }
        @SuppressWarnings("unchecked")
        Predicate<String, PendingApproval> filter = all.isEmpty() ? Predicates.alwaysTrue()
                : Predicates.and(all.toArray(new Predicate[0]));
        return withMajority(() -> CompletableFuture.supplyAsync(() -> {
            PagingPredicate<String, PendingApproval> newestFirst = Predicates.pagingPredicate(filter, new NewestFirst(), limit);
            List<PendingApproval> found = new ArrayList<>();
            for (PendingApproval a : approvals.values(newestFirst)) {
                found.add(a.at(now));
            }
            return List.copyOf(found);
        }));
    }

    /** Orders map entries by their approval's creation, newest first (runs on every member, so it is serialisable). */
    static final class NewestFirst implements Comparator<Map.Entry<String, PendingApproval>>, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Map.Entry<String, PendingApproval> a, Map.Entry<String, PendingApproval> b) {
            int byTime = b.getValue().createdAt().compareTo(a.getValue().createdAt());
            return byTime != 0 ? byTime : a.getKey().compareTo(b.getKey());
        }
    }

    @Override
    public List<PendingApproval> expireOwnDue(Instant now) {
        if (!majority.present()) {
            return List.of(); // a minority decides nothing, not even expiry
        }
        Set<String> own = approvals.localKeySet(Predicates.and(Predicates.equal("status", ApprovalStatus.PENDING),
                Predicates.lessEqual("expiresAt", now)));
        if (own.isEmpty()) {
            return List.of();
        }
        Map<String, PendingApproval> expired = approvals.executeOnKeys(own, new ApprovalProcessors.Expire(now, majority.minMembers()));
        List<PendingApproval> result = new ArrayList<>();
        for (PendingApproval a : expired.values()) {
            if (a != null) {
                result.add(a);
            }
        }
        return result;
    }

    @Override
    public long pendingCount() {
        return approvals.aggregate(com.hazelcast.aggregation.Aggregators.count(),
                Predicates.equal("status", ApprovalStatus.PENDING));
    }
}
