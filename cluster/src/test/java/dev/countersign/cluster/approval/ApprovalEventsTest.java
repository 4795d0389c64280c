package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The events of approvals and their delivery to sinks, on three real members
 * ({@link ThreeMembers}): one claimer per sink however many members race, settlements counted only
 * from the claimer, a claim holding until its lease ends while its claimer lives and lapsing at once into an uncertain one when it leaves, sinks in
 * backoff not due, reminders once cluster-wide, and each member told only of the entries it holds.
 */
class ApprovalEventsTest extends ThreeMembers {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final List<String> SINKS = List.of("audit", "waiters", "slack:C0SECURITY");

    static PendingApproval withSinks(HazelcastInstance owner, ApprovalLog log) {
        while (true) {
            PendingApproval a = PendingApproval.pending(newId(), "dec_" + UUID.randomUUID(), "node-test", Instant.EPOCH,
                    new Requester("agent:bot", "alice@example.com"), new Requirement(List.of("security"), Map.of("security", 2),
                            Duration.ofHours(1)), true, "ctx-" + UUID.randomUUID(), "{}", "{}", "rev-1", List.of(), log);
            if (owner == null || owner.getPartitionService().getPartition(a.id()).getOwner().localMember()) {
                return a;
            }
        }
    }

    static PendingApproval created(HazelcastInstance owner, ApprovalLog log) throws Exception {
        PendingApproval a = withSinks(owner, log);
        return await(stores[1].create(a, a.contextHash())).approval();
    }

    @Test
    void everySinkStartsWithTheCreationAndIsDueAtOnce() throws Exception {
        PendingApproval a = created(null, ApprovalLog.of(SINKS));
        assertEquals(1, a.log().lastSeq());
        assertEquals(Set.copyOf(SINKS), a.log().deliveries().keySet());
        assertTrue(a.log().deliveries().values().stream().allMatch(d -> d.delivered() == 0 && d.claimedBy() == null));
        assertEquals(Instant.EPOCH, a.log().dueAt(), "due from the start");
    }

    @Test
    void membersRacingToClaimAnApprovalClaimEachSinkOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            PendingApproval a = created(null, ApprovalLog.of(SINKS));
            List<Callable<ApprovalStore.Claimed>> racers = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                int k = i;
                for (int t = 0; t < 4; t++) {
                    racers.add(() -> await(stores[k].claim(a.id(), "node-" + k, LEASE)));
                }
            }
            Map<String, Integer> claims = new HashMap<>();
            for (ApprovalStore.Claimed c : atOnce(racers)) {
                c.deliveries().forEach(d -> claims.merge(d.sink(), 1, Integer::sum));
            }
            assertEquals(Map.of("audit", 1, "waiters", 1, "slack:C0SECURITY", 1), claims, "round " + round);
        }
    }

    @Test
    void onlyTheClaimerSettlesAndAPostIsRecordedOnce() throws Exception {
        PendingApproval a = created(null, ApprovalLog.of(SINKS));
        ApprovalStore.Claimed c = await(stores[0].claim(a.id(), "node-0", LEASE));
        assertEquals(3, c.deliveries().size());
        assertTrue(c.deliveries().stream().allMatch(d -> d.claimedBy().startsWith("node-0@") && !d.uncertain()));
        assertNull(await(stores[2].claim(a.id(), "node-2", LEASE)).deliveries().stream().findAny().orElse(null),
                "claimed sinks are not claimed again within the lease");

        assertFalse(await(stores[2].settle(a.id(), "audit", "node-2", Settlement.delivered(1))), "not the claimer");
        assertEquals(0, await(stores[0].get(a.id())).log().deliveries().get("audit").delivered());
        assertFalse(await(stores[1].settle(a.id(), "audit", "node-0", Settlement.delivered(1))),
                "the claimer's name on another member: a claim is its member's");
        assertTrue(await(stores[0].settle(a.id(), "audit", "node-0", Settlement.delivered(1))), "the claimer");
        assertTrue(await(stores[0].settle(a.id(), "slack:C0SECURITY", "node-0",
                Settlement.delivered(1, new PostedRef("C0SECURITY", "1700000000.000100")))));
        assertFalse(await(stores[0].settle(a.id(), "slack:C0SECURITY", "node-0", Settlement.delivered(1))), "settled already");

        PendingApproval after = await(stores[0].get(a.id()));
        assertEquals(List.of("created", "card_posted"), after.log().events().stream().map(ApprovalEvent::type).toList());
        assertEquals(Map.of("destination", "slack:C0SECURITY", "conversation", "C0SECURITY", "message", "1700000000.000100"),
                after.log().events().get(1).details());
        Delivery slack = after.log().deliveries().get("slack:C0SECURITY");
        assertEquals(new PostedRef("C0SECURITY", "1700000000.000100"), slack.posted());
        assertEquals(2, slack.delivered(), "its own post is no news to the destination");
        assertEquals(1, after.log().deliveries().get("audit").delivered(), "the audit log has the post still to take");
        assertEquals(0, after.log().deliveries().get("waiters").delivered(), "still claimed by node-0");
    }

    @Test
    void aVoteDuringAPostIsStillDeliveredToThatDestination() throws Exception {
        PendingApproval a = created(null, ApprovalLog.of(List.of("slack:C0SECURITY")));
        await(stores[0].claim(a.id(), "node-0", LEASE));
        await(stores[2].vote(a.id(), vote("carol@example.com", Choice.APPROVE)));   // while the card is being posted
        await(stores[0].settle(a.id(), "slack:C0SECURITY", "node-0", Settlement.delivered(1, new PostedRef("C0SECURITY", "1.000001"))));
        PendingApproval after = await(stores[0].get(a.id()));
        assertEquals(List.of("created", "vote", "card_posted"), after.log().events().stream().map(ApprovalEvent::type).toList());
        assertEquals(1, after.log().deliveries().get("slack:C0SECURITY").delivered(), "the vote is still to show");
        ApprovalStore.Claimed next = await(stores[1].claim(a.id(), "node-1", LEASE));
        assertEquals(List.of("slack:C0SECURITY"), next.deliveries().stream().map(Delivery::sink).toList());
        assertEquals(new PostedRef("C0SECURITY", "1.000001"), next.deliveries().get(0).posted(), "any member finds the card");
    }

    @Test
    void aSinkWaitingToRetryIsNotDueUntilThenAndAFailedOneNeverAgain() throws Exception {
        PendingApproval a = created(members[0], ApprovalLog.of(List.of("audit", "webhook:https://hooks.example.com/x")));
        await(stores[0].claim(a.id(), "node-0", LEASE));
        Instant retryAt = CLOCK.instant().plusSeconds(60);
        await(stores[0].settle(a.id(), "audit", "node-0", Settlement.retry(retryAt, "disk full", false)));
        await(stores[0].settle(a.id(), "webhook:https://hooks.example.com/x", "node-0", Settlement.failed("the receiver answered 410")));
        PendingApproval after = await(stores[0].get(a.id()));
        assertEquals(retryAt, after.log().dueAt());
        assertFalse(stores[0].ownDue().events().contains(a.id()), "in backoff");
        assertEquals(List.of(), await(stores[0].claim(a.id(), "node-0", LEASE)).deliveries());
        Delivery failed = after.log().deliveries().get("webhook:https://hooks.example.com/x");
        assertTrue(failed.failed());
        assertEquals("the receiver answered 410", failed.lastError());
        assertEquals("delivery_failed", after.log().events().get(after.log().events().size() - 1).type());

        CLOCK.advance(Duration.ofSeconds(61));
        assertTrue(stores[0].ownDue().events().contains(a.id()));
        ApprovalStore.Claimed again = await(stores[0].claim(a.id(), "node-0", LEASE));
        assertEquals(List.of("audit"), again.deliveries().stream().map(Delivery::sink).toList(), "the failed sink is not claimed");
        assertEquals(1, again.deliveries().get(0).attempts());
        assertEquals("disk full", again.deliveries().get(0).lastError());
    }

    @Test
    void aClaimHoldsUntilItsLeaseEndsWhileItsClaimerIsInTheCluster() throws Exception {
        PendingApproval a = created(members[0], ApprovalLog.of(List.of("slack:C0SECURITY")));
        assertNotNull(await(stores[1].claim(a.id(), "node-1", LEASE)).deliveries().get(0));
        assertEquals(List.of(), await(stores[2].claim(a.id(), "node-2", LEASE)).deliveries(), "the claim holds until its lease ends");
        assertFalse(stores[0].ownDue().events().contains(a.id()), "not due while claimed");
        CLOCK.advance(LEASE.plusSeconds(1));
        ApprovalStore.Claimed taken = await(stores[2].claim(a.id(), "node-2", LEASE));
        assertEquals(1, taken.deliveries().size());
        Delivery d = taken.deliveries().get(0);
        assertTrue(d.claimedBy().startsWith("node-2@"), d.claimedBy());
        assertTrue(d.uncertain(), "the lapsed claim may have posted: the new claimer looks before it posts");
        assertEquals(0, d.delivered());
    }

    @Test
    void aClaimOfAMemberThatLeftLapsesAtOnceOnTheMemberThatTakesTheEntryOver() throws Exception {
        PendingApproval a = created(members[0], ApprovalLog.of(List.of("slack:C0SECURITY")));
        assertNotNull(await(stores[0].claim(a.id(), "node-0", LEASE)).deliveries().get(0));
        members[0].getLifecycleService().terminate();   // the member holding the entry, and the claimer, gone mid-post
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (members[1].getCluster().getMembers().size() != 2) {
            assertTrue(System.nanoTime() < deadline, "the others notice the member is gone");
            Thread.sleep(20);
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (members[1].getPartitionService().getPartition(a.id()).getOwner() == null) {
            assertTrue(System.nanoTime() < deadline, "the entry has a new holder");
            Thread.sleep(20);
        }
        int heir = members[1].getPartitionService().getPartition(a.id()).getOwner().localMember() ? 1 : 2;
        while (!stores[heir].ownDue().events().contains(a.id())) {
            assertTrue(System.nanoTime() < deadline, "the new holder finds the departed member's claim due, well before its lease ends");
            Thread.sleep(50);
        }
        ApprovalStore.Claimed taken = await(stores[heir].claim(a.id(), "node-" + heir, LEASE));
        assertEquals(1, taken.deliveries().size(), "taken at once, not after the lease");
        Delivery d = taken.deliveries().get(0);
        assertTrue(d.claimedBy().startsWith("node-" + heir + "@"), d.claimedBy());
        assertTrue(d.uncertain(), "the departed claimer may have posted: the new claimer looks before it posts");
        assertEquals(List.of(), await(stores[3 - heir].claim(a.id(), "node-" + (3 - heir), LEASE)).deliveries(),
                "the new claim, of a member in the cluster, holds");
    }

    @Test
    void aReminderIsSentOnceHoweverManyMembersAskAndEscalatesOnce() throws Exception {
        PendingApproval a = created(null, ApprovalLog.of(List.of("audit"), Duration.ofMinutes(15), Duration.ofMinutes(30)));
        assertFalse(await(stores[0].remind(a.id(), List.of("slack:C0LEADS"))), "not due yet");
        CLOCK.advance(Duration.ofMinutes(16));
        List<Callable<Boolean>> askers = new ArrayList<>();
        for (int i = 0; i < MEMBERS * 4; i++) {
            int k = i % MEMBERS;
            askers.add(() -> await(stores[k].remind(a.id(), List.of("slack:C0LEADS"))));
        }
        assertEquals(1, atOnce(askers).stream().filter(Boolean::booleanValue).count());
        PendingApproval reminded = await(stores[0].get(a.id()));
        assertEquals(List.of("created", "reminder"), reminded.log().events().stream().map(ApprovalEvent::type).toList());
        assertEquals(1, reminded.log().deliveries().get("slack:C0LEADS").delivered(), "an escalation starts at the reminder, not at creation");
        CLOCK.advance(Duration.ofMinutes(31));
        assertTrue(await(stores[1].remind(a.id(), List.of("slack:C0OTHER"))));
        PendingApproval twice = await(stores[0].get(a.id()));
        assertEquals(2, twice.log().reminders());
        assertFalse(twice.log().deliveries().containsKey("slack:C0OTHER"), "escalation happens at the first reminder only");
        await(stores[2].vote(a.id(), vote("carol@example.com", Choice.DENY)));
        CLOCK.advance(Duration.ofHours(2));
        assertFalse(await(stores[0].remind(a.id(), List.of())), "a decided approval is not reminded");
        assertNull(await(stores[0].get(a.id())).log().remindAt());
    }

    @Test
    void eachMemberIsToldOfTheEntriesItHoldsAsTheyChange() throws Exception {
        List<PendingApproval> seen = new CopyOnWriteArrayList<>();
        PendingApproval mine = withSinks(members[0], ApprovalLog.of(List.of("audit")));
        PendingApproval other = withSinks(members[1], ApprovalLog.of(List.of("audit")));
        try (AutoCloseable listening = stores[0].onOwnChange(seen::add)) {
            await(stores[2].create(mine, mine.contextHash()));
            await(stores[2].create(other, other.contextHash()));
            await(stores[1].vote(mine.id(), vote("carol@example.com", Choice.APPROVE)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertEquals(List.of(mine.id(), mine.id()), seen.stream().map(PendingApproval::id).toList());
        assertEquals(List.of(1L, 2L), seen.stream().map(s -> s.log().lastSeq()).toList());
        assertTrue(stores[0].ownDue().events().contains(mine.id()));
        assertFalse(stores[0].ownDue().events().contains(other.id()), "held by another member");
    }
}
