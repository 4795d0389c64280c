package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.EntryView;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.countersign.cluster.ClusterMinorityException;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.Standing;
import dev.countersign.cluster.TestMembers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link HazelcastApprovalStore} on three real members in one JVM ({@link ThreeMembers}): asks
 * de-duplicated cluster-wide, votes and redemptions racing from several members at once, retries
 * answered as the first time, the standing checked by the caller and by the holder, what is kept and
 * for how long. Expiry and a member's hard stop are in {@link ApprovalExpiryTest}.
 */
class HazelcastApprovalStoreTest extends ThreeMembers {

    /** Runs {@code test} while {@code member} believes it needs one member more than there are. */
    static void asMinority(HazelcastInstance member, ThrowingRunnable test) throws Exception {
        Standing normal = MemberContext.of(member).standing();
        TestMembers.stand(member, normal.withMinMembers(MEMBERS + 1));
        try {
            test.run();
        } finally {
            TestMembers.stand(member, normal);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aMemberSeeingFewerThanTheMinimumRefusesEveryCallAndExpiresNothing() throws Exception {
        PendingApproval due = approval(Duration.ofMinutes(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        await(stores[0].create(due, due.contextHash()));
        CLOCK.advance(Duration.ofMinutes(2));
        asMinority(members[0], () -> {
            List<CompletionStage<?>> calls = List.of(stores[0].get(due.id()), stores[0].create(approval(1), "ctx-" + UUID.randomUUID()),
                    stores[0].vote(due.id(), vote("carol@example.com", Choice.APPROVE)),
                    stores[0].redeem(due.id(), due.contextHash(), "dec_x"), stores[0].list(null, 10));
            for (CompletionStage<?> call : calls) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> call.toCompletableFuture().get(10, TimeUnit.SECONDS));
                ClusterMinorityException minority = assertInstanceOf(ClusterMinorityException.class, e.getCause());
                assertEquals(MEMBERS, minority.members());
                assertTrue(minority.getMessage().contains("fewer than the " + (MEMBERS + 1)), minority.getMessage());
            }
            assertEquals(List.of(), stores[0].expireOwnDue());
        });
        assertEquals(ApprovalStatus.PENDING, members[1].<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).get(due.id()).status(),
                "nothing expired it");
        assertEquals(ApprovalStatus.EXPIRED, await(stores[1].get(due.id())).status(), "a member with the majority reads it as expired");
    }

    @Test
    void theMemberThatHoldsAnApprovalRefusesATransitionInAMinorityEvenWhenTheCallerStandsWell() throws Exception {
        PendingApproval remote;
        do {
            remote = approval(1);
        } while (members[0].getPartitionService().getPartition(remote.id()).getOwner().localMember());
        PendingApproval held = remote;
        await(stores[0].create(held, held.contextHash()));
        await(stores[0].vote(held.id(), vote("carol@example.com", Choice.APPROVE)));
        HazelcastInstance holder = holderOf(held.id());
        asMinority(holder, () -> {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> await(stores[0].redeem(held.id(), held.contextHash(), "dec_x", held.requirement(), held.requester().client())));
            ClusterMinorityException minority = assertInstanceOf(ClusterMinorityException.class, e.getCause());
            assertEquals(MEMBERS, minority.members());
            assertTrue(minority.getMessage().startsWith("the member holding this approval ("), minority.getMessage());
        });
        IMap<String, PendingApproval> map = members[0].getMap(HazelcastApprovalStore.APPROVALS);
        assertNull(map.get(held.id()).redeemedBy(), "the grant is not used");
        RedeemResult used = await(stores[0].redeem(held.id(), held.contextHash(), "dec_y", held.requirement(), held.requester().client()));
        assertTrue(used.granted(), "with the members it needs, it is: " + used.reason());
        assertEquals("dec_y", map.get(held.id()).redeemedBy());
    }

    static HazelcastInstance holderOf(String id) {
        for (HazelcastInstance m : members) {
            if (m.getPartitionService().getPartition(id).getOwner().localMember()) {
                return m;
            }
        }
        throw new AssertionError("no member holds " + id);
    }

    @Test
    void theHoldingMemberTimesTheCreationAndItsExpiry() throws Exception {
        PendingApproval proposed = approval(Duration.ofMinutes(30), 1, "ctx-" + UUID.randomUUID(), List.of());
        long before = CLOCK.millis();
        PendingApproval stored = await(stores[1].create(proposed, proposed.contextHash())).approval();
        assertTrue(stored.createdAt().toEpochMilli() >= before && stored.createdAt().toEpochMilli() <= CLOCK.millis(),
                "created at the holder's time, not the caller's " + proposed.createdAt());
        assertEquals(stored.createdAt().plus(Duration.ofMinutes(30)), stored.expiresAt());
        assertNotNull(stored.seal(), "stored sealed");
    }

    @Test
    void theSameAskIsOneApprovalUntilItIsDecided() throws Exception {
        String ask = "ctx-" + UUID.randomUUID();
        PendingApproval first = approval(Duration.ofHours(1), 1, ask, List.of("https://hooks.example.com/a"));
        ApprovalStore.Created created = await(stores[0].create(first, ask));
        assertFalse(created.reused());
        assertEquals(first.id(), created.approval().id());
        assertEquals(created.approval(), await(stores[2].get(first.id())), "readable from any member");

        PendingApproval second = approval(Duration.ofHours(1), 1, ask, List.of("https://hooks.example.com/b"));
        ApprovalStore.Created again = await(stores[1].create(second, ask));
        assertTrue(again.reused(), "the same ask on another member finds the pending approval");
        assertEquals(first.id(), again.approval().id());
        assertEquals(List.of("https://hooks.example.com/a", "https://hooks.example.com/b"), again.approval().callbacks(),
                "the second ask's callback is added to the approval it found");
        assertEquals(again.approval().callbacks(), await(stores[0].get(first.id())).callbacks());
        assertNull(await(stores[0].get(second.id())), "the proposed duplicate is not kept");

        VoteResult decided = await(stores[2].vote(first.id(), vote("carol@example.com", Choice.APPROVE)));
        assertEquals(ApprovalStatus.APPROVED, decided.transition());
        PendingApproval third = approval(Duration.ofHours(1), 1, ask, List.of());
        ApprovalStore.Created fresh = await(stores[1].create(third, ask));
        assertFalse(fresh.reused(), "a decided ask is asked anew");
        assertEquals(third.id(), fresh.approval().id());
        PendingApproval fourth = approval(Duration.ofHours(1), 1, ask, List.of());
        assertEquals(third.id(), await(stores[0].create(fourth, ask)).approval().id(), "the ask now points at the new approval");
        assertEquals(ApprovalStatus.APPROVED, await(stores[0].get(first.id())).status(), "the decided one is kept");
    }

    @Test
    void anAskIsAnsweredOnlyByAnApprovalOfTheSameAsk() throws Exception {
        String ask = "ask-" + UUID.randomUUID();
        PendingApproval other = approval(1);
        await(stores[0].create(other, other.contextHash()));
        members[0].<String, String>getMap(HazelcastApprovalStore.ASKS).set(ask, other.id());   // an ask key pointed elsewhere
        PendingApproval proposed = approval(Duration.ofHours(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        ApprovalStore.Created created = await(stores[1].create(proposed, ask));
        assertFalse(created.reused(), "an approval for another context does not answer this ask");
        assertEquals(proposed.id(), created.approval().id());
    }

    @Test
    void anExpiredAskIsAskedAnew() throws Exception {
        String ask = "ctx-" + UUID.randomUUID();
        PendingApproval old = approval(Duration.ofMinutes(1), 1, ask, List.of());
        await(stores[0].create(old, ask));
        CLOCK.advance(Duration.ofMinutes(2));
        PendingApproval fresh = approval(Duration.ofHours(1), 1, ask, List.of());
        ApprovalStore.Created created = await(stores[1].create(fresh, ask));
        assertFalse(created.reused(), "an approval past its expiry does not answer a new ask");
        assertEquals(fresh.id(), created.approval().id());
    }

    @Test
    void asksRacingFromEveryMemberMakeOneApproval() throws Exception {
        for (int round = 0; round < 15; round++) {
            String ask = "ctx-" + UUID.randomUUID();
            List<PendingApproval> proposed = new ArrayList<>();
            List<Callable<ApprovalStore.Created>> tasks = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                PendingApproval p = approval(Duration.ofHours(1), 1, ask, List.of("https://hooks.example.com/" + i));
                proposed.add(p);
                HazelcastApprovalStore store = stores[i % MEMBERS];
                tasks.add(() -> await(store.create(p, ask)));
            }
            List<ApprovalStore.Created> results = atOnce(tasks);
            Set<String> ids = new HashSet<>();
            int fresh = 0;
            for (ApprovalStore.Created c : results) {
                ids.add(c.approval().id());
                fresh += c.reused() ? 0 : 1;
            }
            assertEquals(1, ids.size(), "round " + round + ": every racing ask got the same approval: " + ids);
            assertEquals(1, fresh, "round " + round + ": exactly one ask created it");
            String winner = ids.iterator().next();
            int kept = 0;
            for (PendingApproval p : proposed) {
                kept += await(stores[0].get(p.id())) == null ? 0 : 1;
            }
            assertEquals(1, kept, "round " + round + ": the losers' proposals are removed");
            PendingApproval stored = await(stores[1].get(winner));
            assertEquals(9, stored.callbacks().size(), "round " + round + ": every ask's callback is on the approval: " + stored.callbacks());
        }
    }

    @Test
    void votesFromManyThreadsOnTwoMembersAreEachCountedOnce() throws Exception {
        PendingApproval a = approval(1000);
        await(stores[0].create(a, a.contextHash()));
        List<Callable<VoteResult>> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String reviewer = "reviewer-" + i + "@example.com";
            HazelcastApprovalStore store = stores[1 + i % 2];
            tasks.add(() -> await(store.vote(a.id(), vote(reviewer, Choice.APPROVE))));
        }
        List<VoteResult> results = atOnce(tasks);
        for (VoteResult r : results) {
            assertEquals(VoteResult.Outcome.ACCEPTED, r.outcome(), r.reason());
            assertNull(r.transition());
        }
        PendingApproval stored = await(stores[0].get(a.id()));
        assertEquals(40, stored.votes().size(), "no vote is lost");
        assertEquals(40, stored.votes().stream().map(Vote::reviewer).distinct().count(), "no vote is counted twice");
        assertEquals(Map.of("security", 40), stored.approvals());
        for (int i = 1; i < stored.votes().size(); i++) {
            assertFalse(stored.votes().get(i).at().isBefore(stored.votes().get(i - 1).at()),
                    "votes are in the order the holder applied them, by its clock");
        }
    }

    @Test
    void votesRacingPastTheQuorumDecideExactlyOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            PendingApproval a = approval(5);
            await(stores[0].create(a, a.contextHash()));
            List<Callable<VoteResult>> tasks = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String reviewer = "reviewer-" + i + "@example.com";
                HazelcastApprovalStore store = stores[1 + i % 2];
                tasks.add(() -> await(store.vote(a.id(), vote(reviewer, Choice.APPROVE))));
            }
            List<VoteResult> results = atOnce(tasks);
            long transitions = results.stream().filter(r -> r.transition() != null).count();
            long accepted = results.stream().filter(VoteResult::counted).count();
            long decided = results.stream().filter(r -> r.outcome() == VoteResult.Outcome.DECIDED).count();
            assertEquals(1, transitions, "round " + round + ": exactly one vote reports the approval");
            assertEquals(5, accepted, "round " + round + ": exactly the quorum counts");
            assertEquals(7, decided, "round " + round + ": the rest find it decided");
            VoteResult deciding = results.stream().filter(r -> r.transition() != null).findFirst().orElseThrow();
            assertEquals(ApprovalStatus.APPROVED, deciding.transition());
            PendingApproval stored = await(stores[0].get(a.id()));
            assertEquals(ApprovalStatus.APPROVED, stored.status());
            assertEquals(5, stored.votes().size());
            assertEquals(deciding.approval().decidedBy(), stored.decidedBy());
        }
    }

    @Test
    void anApproveAndADenyAtTheSameInstantGiveOneOutcome() throws Exception {
        for (int round = 0; round < 20; round++) {
            PendingApproval a = approval(1);
            await(stores[0].create(a, a.contextHash()));
            List<VoteResult> results = atOnce(List.of(
                    () -> await(stores[1].vote(a.id(), vote("carol@example.com", Choice.APPROVE))),
                    () -> await(stores[2].vote(a.id(), vote("dan@example.com", Choice.DENY)))));
            List<VoteResult> transitions = results.stream().filter(r -> r.transition() != null).toList();
            assertEquals(1, transitions.size(), "round " + round + ": one outcome, reported once: " + results);
            PendingApproval stored = await(stores[0].get(a.id()));
            assertEquals(transitions.get(0).transition(), stored.status());
            assertEquals(1, stored.votes().size(), "the losing vote came too late and is not recorded");
            assertEquals(1, results.stream().filter(r -> r.outcome() == VoteResult.Outcome.DECIDED).count());
        }
    }

    @Test
    void theSameReviewerVotingOnTwoMembersAtOnceCountsOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            PendingApproval a = approval(2);
            await(stores[0].create(a, a.contextHash()));
            List<VoteResult> same = atOnce(List.of(
                    () -> await(stores[1].vote(a.id(), vote("carol@example.com", Choice.APPROVE))),
                    () -> await(stores[2].vote(a.id(), vote("CAROL@example.com", Choice.APPROVE)))));
            assertEquals(Set.of(VoteResult.Outcome.ACCEPTED, VoteResult.Outcome.REPEATED),
                    Set.of(same.get(0).outcome(), same.get(1).outcome()), "round " + round);
            PendingApproval b = approval(2);
            await(stores[0].create(b, b.contextHash()));
            List<VoteResult> changed = atOnce(List.of(
                    () -> await(stores[1].vote(b.id(), vote("carol@example.com", Choice.APPROVE))),
                    () -> await(stores[2].vote(b.id(), vote("carol@example.com", Choice.DENY)))));
            // Whichever lands first counts: an approve (one of two) leaves the deny "already voted"; a deny
            // decides at once and leaves the approve "decided".
            Set<VoteResult.Outcome> outcomes = Set.of(changed.get(0).outcome(), changed.get(1).outcome());
            assertTrue(outcomes.equals(Set.of(VoteResult.Outcome.ACCEPTED, VoteResult.Outcome.ALREADY_VOTED))
                    || outcomes.equals(Set.of(VoteResult.Outcome.ACCEPTED, VoteResult.Outcome.DECIDED)), "round " + round + ": " + changed);
            PendingApproval stored = await(stores[0].get(b.id()));
            assertEquals(1, stored.votes().size());
            VoteResult counted = changed.get(0).counted() ? changed.get(0) : changed.get(1);
            assertEquals(counted.approval().votes(), stored.votes());
            assertEquals(stored.votes().get(0).choice() == Choice.DENY ? ApprovalStatus.DENIED : ApprovalStatus.PENDING, stored.status());
        }
    }

    @Test
    void aGrantRedeemedOnEveryMemberAtOnceIsGrantedExactlyOnce() throws Exception {
        for (int round = 0; round < 15; round++) {
            PendingApproval a = approval(1);
            await(stores[0].create(a, a.contextHash()));
            assertEquals(ApprovalStatus.APPROVED, await(stores[1].vote(a.id(), vote("carol@example.com", Choice.APPROVE))).transition());
            List<Callable<RedeemResult>> tasks = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                String decision = "dec_" + round + "_" + i;
                HazelcastApprovalStore store = stores[i % MEMBERS];
                tasks.add(() -> await(store.redeem(a.id(), a.contextHash(), decision)));
            }
            List<RedeemResult> results = atOnce(tasks);
            List<RedeemResult> granted = results.stream().filter(RedeemResult::granted).toList();
            assertEquals(1, granted.size(), "round " + round + ": " + results.stream().map(RedeemResult::reason).toList());
            for (RedeemResult r : results) {
                if (!r.granted()) {
                    assertTrue(r.reason().contains("already used"), r.reason());
                }
            }
            PendingApproval stored = await(stores[2].get(a.id()));
            assertEquals(granted.get(0).approval().redeemedBy(), stored.redeemedBy());
            assertNotNull(stored.redeemedAt());
        }
    }

    /**
     * When the member owning an entry dies after applying an operation (and its backup) but before
     * answering, Hazelcast re-submits the operation to the new owner, which already holds the result:
     * the same entry processor runs twice ("Exactly-once, At-least-once or At-most-once Execution" in
     * Hazelcast's consistency documentation). Sending the very same transition twice is that retry,
     * made later (the holder's clock has moved on). Its answer must be the first one, or the caller
     * loses what it alone was to announce.
     */
    @Test
    void aTransitionRetriedAfterFailoverAnswersAsTheFirstTime() throws Exception {
        PendingApproval a = approval(1);
        await(stores[0].create(a, a.contextHash()));
        ReviewerVote deciding = vote("carol@example.com", Choice.APPROVE);
        VoteResult first = await(stores[1].vote(a.id(), deciding));
        CLOCK.advance(Duration.ofSeconds(3));
        VoteResult retried = await(stores[1].vote(a.id(), deciding));
        assertEquals(ApprovalStatus.APPROVED, first.transition());
        List<String> lost = new ArrayList<>();
        if (retried.outcome() != first.outcome() || retried.transition() != first.transition()) {
            lost.add("the deciding vote, retried, answers " + retried.outcome() + " with transition " + retried.transition()
                    + " instead of " + first.outcome() + "/" + first.transition() + ": nobody audits 'approved', wakes waiters or queues callbacks");
        }
        RedeemResult used = await(stores[2].redeem(a.id(), a.contextHash(), "dec_retried"));
        CLOCK.advance(Duration.ofSeconds(3));
        RedeemResult usedAgain = await(stores[2].redeem(a.id(), a.contextHash(), "dec_retried"));
        assertTrue(used.granted());
        if (!usedAgain.granted()) {
            lost.add("the redemption, retried, is refused (\"" + usedAgain.reason() + "\"): the grant is used up and its own decision denied");
        }
        assertEquals(List.of(), lost);
        assertEquals(List.of("created", "vote", "approved", "redeemed"),
                await(stores[0].get(a.id())).log().events().stream().map(ApprovalEvent::type).toList(),
                "each retried transition recorded its event once");
        VoteResult another = await(stores[1].vote(a.id(), vote("carol@example.com", Choice.APPROVE)));
        assertEquals(VoteResult.Outcome.REPEATED, another.outcome(), "a new cast of the same vote is a repeat, not a retry");
    }

    @Test
    void unknownApprovalsAnswerNull() throws Exception {
        String id = newId();
        assertNull(await(stores[0].get(id)));
        assertNull(await(stores[1].vote(id, vote("carol@example.com", Choice.APPROVE))));
        assertNull(await(stores[2].redeem(id, "ctx", "dec")));
        assertNull(await(stores[0].get(id)), "voting on or redeeming an unknown approval creates nothing");
    }

    @Test
    void pendingCountAndListSeeTheWholeCluster() throws Exception {
        long before = stores[0].pendingCount();
        List<PendingApproval> created = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            PendingApproval a = approval(1);
            await(stores[i % MEMBERS].create(a, a.contextHash()));
            created.add(a);
        }
        assertEquals(before + 12, stores[1].pendingCount());
        await(stores[2].vote(created.get(0).id(), vote("carol@example.com", Choice.APPROVE)));
        assertEquals(before + 11, stores[0].pendingCount());
        List<PendingApproval> approved = await(stores[1].list(ApprovalStatus.APPROVED, 10_000));
        assertTrue(approved.stream().anyMatch(a -> a.id().equals(created.get(0).id())));
        List<PendingApproval> pending = await(stores[2].list(ApprovalStatus.PENDING, 10_000));
        for (PendingApproval a : created.subList(1, created.size())) {
            assertTrue(pending.stream().anyMatch(p -> p.id().equals(a.id())), "listed from any member: " + a.id());
        }
    }

    @Test
    void everyTransitionKeepsTheEntryForAWeekPastExpiryNotForever() throws Exception {
        PendingApproval voted = approval(2);
        PendingApproval redeemed = approval(1);
        PendingApproval expired = approval(Duration.ofMinutes(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        PendingApproval called = approval(1);
        Map<String, Long> expiration = new java.util.HashMap<>();
        for (PendingApproval a : List.of(voted, redeemed, expired, called)) {
            long created = System.currentTimeMillis();
            await(stores[0].create(a, a.contextHash()));
            long keepUntil = created + a.requirement().ttl().plus(HazelcastApprovalStore.KEEP_DECIDED).toMillis();
            expiration.put(a.id(), expirationOf(a.id()));
            assertTrue(Math.abs(expirationOf(a.id()) - keepUntil) < 5_000,
                    "a new approval is kept until a week past its expiry: " + java.time.Instant.ofEpochMilli(expirationOf(a.id())));
        }
        await(stores[1].vote(voted.id(), vote("carol@example.com", Choice.APPROVE)));
        await(stores[1].vote(redeemed.id(), vote("carol@example.com", Choice.APPROVE)));
        assertTrue(await(stores[2].redeem(redeemed.id(), redeemed.contextHash(), "dec_2")).granted());
        CLOCK.advance(Duration.ofMinutes(2));
        boolean swept = false;
        for (HazelcastApprovalStore s : stores) {
            swept |= s.expireOwnDue().stream().anyMatch(a -> a.id().equals(expired.id()));
        }
        assertTrue(swept);
        PendingApproval again = approval(Duration.ofHours(1), 1, called.contextHash(), List.of("https://hooks.example.com/b"));
        assertTrue(await(stores[2].create(again, called.contextHash())).reused());

        List<String> keptForever = new ArrayList<>();
        for (Map.Entry<String, Long> e : expiration.entrySet()) {
            long now = expirationOf(e.getKey());
            if (Math.abs(now - e.getValue()) >= 1_000) {
                PendingApproval a = await(stores[0].get(e.getKey()));
                keptForever.add(a.status().wireName() + " (" + a.votes().size() + " votes, redeemed " + (a.redeemedAt() != null)
                        + ", " + a.callbacks().size() + " callbacks): expires "
                        + (now == Long.MAX_VALUE ? "never" : java.time.Instant.ofEpochMilli(now).toString()));
            }
        }
        assertEquals(List.of(), keptForever, "after a transition each approval is still removed a week past its expiry"
                + " (an entry processor's plain setValue resets the entry's time to live)");
    }

    static long expirationOf(String id) {
        EntryView<String, PendingApproval> view = members[1].<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).getEntryView(id);
        return view.getExpirationTime();
    }
}
