package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Expiry swept by the members that hold the approvals, by their clock, and what a member's hard stop
 * leaves behind: nothing lost, the survivors carrying on with what it held.
 */
class ApprovalExpiryTest extends ThreeMembers {

    @Test
    void eachMemberExpiresOnlyWhatItOwnsAndTogetherEverythingOnce() throws Exception {
        Set<String> due = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            PendingApproval a = approval(Duration.ofMinutes(1), 1, "ctx-" + UUID.randomUUID(), List.of());
            await(stores[i % MEMBERS].create(a, a.contextHash()));
            due.add(a.id());
        }
        PendingApproval decided = approval(Duration.ofMinutes(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        await(stores[0].create(decided, decided.contextHash()));
        await(stores[0].vote(decided.id(), vote("carol@example.com", Choice.APPROVE)));
        PendingApproval notYet = approval(Duration.ofHours(10), 1, "ctx-" + UUID.randomUUID(), List.of());
        await(stores[0].create(notYet, notYet.contextHash()));
        CLOCK.advance(Duration.ofMinutes(2));

        List<List<PendingApproval>> swept = atOnce(List.of(
                () -> stores[0].expireOwnDue(), () -> stores[1].expireOwnDue(), () -> stores[2].expireOwnDue()));
        Map<String, Integer> times = new HashMap<>();
        for (int m = 0; m < MEMBERS; m++) {
            for (PendingApproval a : swept.get(m)) {
                times.merge(a.id(), 1, Integer::sum);
                assertEquals(ApprovalStatus.EXPIRED, a.status());
                assertEquals(PendingApproval.EXPIRY, a.decidedBy());
                assertEquals(members[m].getCluster().getLocalMember(), members[m].getPartitionService().getPartition(a.id()).getOwner(),
                        "a member sweeps only what it owns");
            }
        }
        Set<String> expiredHere = new HashSet<>(times.keySet());
        expiredHere.retainAll(due);
        assertEquals(due, expiredHere, "every due approval is expired by some member");
        assertFalse(times.containsKey(notYet.id()), "an approval not yet due is left alone");
        assertFalse(times.containsKey(decided.id()), "a decided approval does not expire");
        for (Map.Entry<String, Integer> e : times.entrySet()) {
            assertEquals(1, e.getValue(), "expired once: " + e.getKey());
        }
        for (int m = 0; m < MEMBERS; m++) {
            assertTrue(swept.get(m).size() > 0, "with 60 approvals every member owns some (member " + m + ")");
        }
        for (String id : due) {
            assertEquals(ApprovalStatus.EXPIRED, await(stores[1].get(id)).status());
        }
        for (HazelcastApprovalStore s : stores) {
            assertTrue(s.expireOwnDue().stream().noneMatch(a -> due.contains(a.id())), "a second sweep expires nothing again");
        }
        assertEquals(ApprovalStatus.PENDING, await(stores[2].get(notYet.id())).status());
    }

    @Test
    void aGrantIsUsableWithinItsWindowByTheHoldersClock() throws Exception {
        PendingApproval a = approval(Duration.ofMinutes(10), 1, "ctx-" + UUID.randomUUID(), List.of());
        await(stores[0].create(a, a.contextHash()));
        await(stores[1].vote(a.id(), vote("carol@example.com", Choice.APPROVE)));
        CLOCK.advance(Duration.ofMinutes(11));
        RedeemResult late = await(stores[2].redeem(a.id(), a.contextHash(), "dec_late"));
        assertFalse(late.granted());
        assertTrue(late.reason().contains("could be used until"), late.reason());
    }

    @Test
    void aMemberStoppingHardLosesNoApprovalVoteOrGrant() throws Exception {
        HazelcastInstance doomed = members[0];
        Map<String, PendingApproval> before = new HashMap<>();
        List<String> unusedGrants = new ArrayList<>();
        Set<String> due = new HashSet<>();
        for (int k = 0; k < MEMBERS; k++) {
            HazelcastInstance owner = members[k];
            for (int copy = 0; copy < 2; copy++) {
                PendingApproval untouched = ownedBy(owner, 2);
                PendingApproval oneVote = ownedBy(owner, 2);
                PendingApproval grant = ownedBy(owner, 1);
                PendingApproval used = ownedBy(owner, 1);
                PendingApproval denied = ownedBy(owner, 2);
                for (PendingApproval a : List.of(untouched, oneVote, grant, used, denied)) {
                    await(stores[(k + 1) % MEMBERS].create(a, a.contextHash()));
                }
                await(stores[(k + 2) % MEMBERS].vote(oneVote.id(), vote("carol@example.com", Choice.APPROVE)));
                assertEquals(ApprovalStatus.APPROVED, await(stores[k].vote(grant.id(), vote("carol@example.com", Choice.APPROVE))).transition());
                assertEquals(ApprovalStatus.APPROVED, await(stores[k].vote(used.id(), vote("dan@example.com", Choice.APPROVE))).transition());
                assertTrue(await(stores[(k + 1) % MEMBERS].redeem(used.id(), used.contextHash(), "dec_used")).granted());
                await(stores[(k + 1) % MEMBERS].vote(denied.id(), vote("carol@example.com", Choice.APPROVE)));
                assertEquals(ApprovalStatus.DENIED, await(stores[(k + 2) % MEMBERS].vote(denied.id(), vote("dan@example.com", Choice.DENY))).transition());
                unusedGrants.add(grant.id());
                for (PendingApproval a : List.of(untouched, oneVote, grant, used, denied)) {
                    before.put(a.id(), await(stores[0].get(a.id())));
                }
            }
        }
        for (int k = 0; k < MEMBERS; k++) {
            PendingApproval overdue = ownedBy(members[k], 1);
            overdue = PendingApproval.pending(overdue.id(), overdue.decisionId(), "node-test", overdue.createdAt(), overdue.requester(),
                    new dev.countersign.cluster.approval.Requirement(overdue.requirement().groups(), overdue.requirement().quorum(),
                            Duration.ofSeconds(30)), overdue.contextHash(), "{}", "{}", "rev-1", List.of());
            await(stores[k].create(overdue, overdue.contextHash()));
            due.add(overdue.id());
        }

        doomed.getLifecycleService().terminate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (members[1].getCluster().getMembers().size() != 2 || members[2].getCluster().getMembers().size() != 2) {
            assertTrue(System.nanoTime() < deadline, "the others notice the member is gone");
            Thread.sleep(20);
        }
        for (PendingApproval a : before.values()) {
            assertEquals(a, await(stores[1 + (a.id().hashCode() & 1)].get(a.id())), "intact after a member stopped: " + a.id());
        }
        for (String id : unusedGrants) {
            List<RedeemResult> results = atOnce(List.of(
                    () -> await(stores[1].redeem(id, before.get(id).contextHash(), "dec_b")),
                    () -> await(stores[2].redeem(id, before.get(id).contextHash(), "dec_c"))));
            assertEquals(1, results.stream().filter(RedeemResult::granted).count(), "an unused grant is still usable, once: " + id);
        }
        CLOCK.advance(Duration.ofMinutes(1));
        List<List<PendingApproval>> swept = atOnce(List.of(() -> stores[1].expireOwnDue(), () -> stores[2].expireOwnDue()));
        List<String> expired = new ArrayList<>();
        swept.forEach(list -> list.forEach(a -> expired.add(a.id())));
        assertTrue(expired.containsAll(due), "the survivors expire what the stopped member owned too: missing "
                + due.stream().filter(id -> !expired.contains(id)).toList());
        assertEquals(new HashSet<>(expired).size(), expired.size(), "each expired once");
    }
}
