package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.EntryView;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterMinorityException;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.Majority;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HazelcastApprovalStore} on three real members in one JVM, each with the configuration a node
 * gives its member ({@link ClusterSettings#applyTo}): asks de-duplicated cluster-wide, votes and
 * redemptions racing from several members at once, expiry swept by the owners only, and what a
 * member's hard stop leaves behind.
 */
class HazelcastApprovalStoreTest {
    static final int MEMBERS = 3;
    static final String CLUSTER = "store-test-" + UUID.randomUUID();
    static final List<String> addresses = new ArrayList<>();
    static final HazelcastInstance[] members = new HazelcastInstance[MEMBERS];
    static final HazelcastApprovalStore[] stores = new HazelcastApprovalStore[MEMBERS];
    static ExecutorService pool;

    @BeforeAll
    static void startMembers() throws Exception {
        for (int i = 0; i < MEMBERS; i++) {
            addresses.add("127.0.0.1:" + freePort());
        }
        for (int i = 0; i < MEMBERS; i++) {
            start(i);
        }
        pool = Executors.newFixedThreadPool(48);
    }

    @AfterAll
    static void stopMembers() {
        pool.shutdownNow();
        for (HazelcastInstance m : members) {
            if (m != null && m.getLifecycleService().isRunning()) {
                m.getLifecycleService().terminate();
            }
        }
    }

    /** Every test starts with three running members and every partition backed up. */
    @BeforeEach
    void threeSafeMembers() throws Exception {
        for (int i = 0; i < MEMBERS; i++) {
            if (!members[i].getLifecycleService().isRunning()) {
                addresses.set(i, "127.0.0.1:" + freePort());
                start(i);
            }
        }
        awaitSafe(MEMBERS);
    }

    static void start(int i) {
        int port = Integer.parseInt(addresses.get(i).substring(addresses.get(i).indexOf(':') + 1));
        Config config = new ClusterSettings(CLUSTER, "127.0.0.1", port, addresses, null).applyTo(new Config());
        config.setInstanceName(CLUSTER + "-" + i + "-" + port);
        members[i] = Hazelcast.newHazelcastInstance(config);
        stores[i] = new HazelcastApprovalStore(members[i]);
    }

    static void awaitSafe(int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (HazelcastInstance m : members) {
                ok &= m.getLifecycleService().isRunning() && m.getCluster().getMembers().size() == size
                        && m.getPartitionService().isClusterSafe();
            }
            if (ok) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the members did not form a safe cluster of " + size);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static String newId() {
        return "apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
    }

    /** A pending approval needing {@code quorum} of security, created at {@code createdAt}. */
    static PendingApproval approval(Instant createdAt, Duration ttl, int quorum, String contextHash, List<String> callbacks) {
        return PendingApproval.pending(newId(), "dec_" + UUID.randomUUID(), "node-test", createdAt,
                new Requester("agent:bot", "alice@example.com"),
                new Requirement(List.of("security"), Map.of("security", quorum), ttl), contextHash, "{}", "{}", "rev-1", callbacks);
    }

    static PendingApproval approval(int quorum) {
        return approval(Instant.now(), Duration.ofHours(1), quorum, "ctx-" + UUID.randomUUID(), List.of());
    }

    static ReviewerVote vote(String reviewer, Choice choice) {
        return new ReviewerVote(reviewer, Set.of("security"), choice, "", Instant.now(), "node-test", "api");
    }

    /** Runs every task at the same instant (as far as threads allow) and answers their results in order. */
    static <T> List<T> atOnce(List<Callable<T>> tasks) throws Exception {
        CyclicBarrier gate = new CyclicBarrier(tasks.size());
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(pool.submit(() -> {
                gate.await(30, TimeUnit.SECONDS);
                return task.call();
            }));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    @Test
    void aMemberSeeingFewerThanTheMinimumRefusesEveryCallAndExpiresNothing() throws Exception {
        PendingApproval due = approval(Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        await(stores[0].create(due, due.contextHash()));
        HazelcastApprovalStore cutOff = new HazelcastApprovalStore(members[0], new Majority(members[0], MEMBERS + 1));
        List<CompletionStage<?>> calls = List.of(cutOff.get(due.id()), cutOff.create(approval(1), "ctx-" + UUID.randomUUID()),
                cutOff.vote(due.id(), new ReviewerVote("carol@example.com", Set.of("security"), Choice.APPROVE, "", Instant.now(), "n", "api")),
                cutOff.redeem(due.id(), due.contextHash(), "dec_x", Instant.now()), cutOff.list(null, 10));
        for (CompletionStage<?> call : calls) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.toCompletableFuture().get(10, TimeUnit.SECONDS));
            ClusterMinorityException minority = assertInstanceOf(ClusterMinorityException.class, e.getCause());
            assertEquals(MEMBERS, minority.members());
            assertTrue(minority.getMessage().contains("fewer than the " + (MEMBERS + 1)), minority.getMessage());
        }
        for (HazelcastInstance m : members) {
            assertEquals(List.of(), new HazelcastApprovalStore(m, new Majority(m, MEMBERS + 1)).expireOwnDue(Instant.now()));
        }
        assertEquals(ApprovalStatus.PENDING, members[0].<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).get(due.id()).status(),
                "nothing expired it");
        assertEquals(ApprovalStatus.EXPIRED, await(stores[0].get(due.id())).status(), "a member with the majority reads it as expired");
    }

    @Test
    void theMemberThatRunsATransitionRefusesItInAMinorityEvenWhenTheCallerDidNotCheck() throws Exception {
        PendingApproval remote;
        do {
            remote = approval(1);
        } while (members[0].getPartitionService().getPartition(remote.id()).getOwner().localMember());
        await(stores[0].create(remote, remote.contextHash()));
        await(stores[0].vote(remote.id(), new ReviewerVote("carol@example.com", Set.of("security"), Choice.APPROVE, "", Instant.now(), "n", "api")));
        com.hazelcast.map.IMap<String, PendingApproval> map = members[0].getMap(HazelcastApprovalStore.APPROVALS);
        int tooMany = MEMBERS + 1;

        CompletionStage<RedeemResult> redeem = map.submitToKey(remote.id(),
                new ApprovalProcessors.Redeem(remote.contextHash(), "dec_x", Instant.now(), remote.requirement(), remote.requester().client(), tooMany));
        ExecutionException e = assertThrows(ExecutionException.class, () -> redeem.toCompletableFuture().get(10, TimeUnit.SECONDS));

        ClusterMinorityException minority = assertInstanceOf(ClusterMinorityException.class, e.getCause());
        assertEquals(MEMBERS, minority.members());
        assertTrue(minority.getMessage().startsWith("the member holding this approval ("), minority.getMessage());
        assertNull(map.get(remote.id()).redeemedBy(), "the grant is not used");
        RedeemResult used = await(map.submitToKey(remote.id(),
                new ApprovalProcessors.Redeem(remote.contextHash(), "dec_y", Instant.now(), remote.requirement(), remote.requester().client(), MEMBERS)));
        assertTrue(used.granted(), "with the members it needs, it is: " + used.reason());
        assertEquals("dec_y", map.get(remote.id()).redeemedBy());
    }

    @Test
    void theSameAskIsOneApprovalUntilItIsDecided() throws Exception {
        String ask = "ctx-" + UUID.randomUUID();
        PendingApproval first = approval(Instant.now(), Duration.ofHours(1), 1, ask, List.of("https://hooks.example.com/a"));
        ApprovalStore.Created created = await(stores[0].create(first, ask));
        assertFalse(created.reused());
        assertEquals(first, created.approval());
        assertEquals(first, await(stores[2].get(first.id())), "readable from any member");

        PendingApproval second = approval(Instant.now(), Duration.ofHours(1), 1, ask, List.of("https://hooks.example.com/b"));
        ApprovalStore.Created again = await(stores[1].create(second, ask));
        assertTrue(again.reused(), "the same ask on another member finds the pending approval");
        assertEquals(first.id(), again.approval().id());
        assertEquals(List.of("https://hooks.example.com/a", "https://hooks.example.com/b"), again.approval().callbacks(),
                "the second ask's callback is added to the approval it found");
        assertEquals(again.approval(), await(stores[0].get(first.id())));
        assertNull(await(stores[0].get(second.id())), "the proposed duplicate is not kept");

        VoteResult decided = await(stores[2].vote(first.id(), vote("carol@example.com", Choice.APPROVE)));
        assertEquals(ApprovalStatus.APPROVED, decided.transition());
        PendingApproval third = approval(Instant.now(), Duration.ofHours(1), 1, ask, List.of());
        ApprovalStore.Created fresh = await(stores[1].create(third, ask));
        assertFalse(fresh.reused(), "a decided ask is asked anew");
        assertEquals(third.id(), fresh.approval().id());
        PendingApproval fourth = approval(Instant.now(), Duration.ofHours(1), 1, ask, List.of());
        assertEquals(third.id(), await(stores[0].create(fourth, ask)).approval().id(), "the ask now points at the new approval");
        assertEquals(ApprovalStatus.APPROVED, await(stores[0].get(first.id())).status(), "the decided one is kept");
    }

    @Test
    void anExpiredAskIsAskedAnew() throws Exception {
        String ask = "ctx-" + UUID.randomUUID();
        PendingApproval old = approval(Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1), 1, ask, List.of());
        await(stores[0].create(old, ask));
        PendingApproval fresh = approval(1);
        fresh = PendingApproval.pending(fresh.id(), fresh.decisionId(), "node-test", Instant.now(), fresh.requester(),
                fresh.requirement(), ask, "{}", "{}", "rev-1", List.of());
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
                PendingApproval p = approval(Instant.now(), Duration.ofHours(1), 1, ask, List.of("https://hooks.example.com/" + i));
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
            assertEquals(counted.approval(), stored);
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
                tasks.add(() -> await(store.redeem(a.id(), a.contextHash(), decision, Instant.now())));
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
     * Hazelcast's consistency documentation). Sending the very same transition twice is that retry.
     * Its answer must be the first one, or the caller loses what it alone was to announce.
     */
    @Test
    void aTransitionRetriedAfterFailoverAnswersAsTheFirstTime() throws Exception {
        PendingApproval a = approval(1);
        await(stores[0].create(a, a.contextHash()));
        ReviewerVote deciding = vote("carol@example.com", Choice.APPROVE);
        VoteResult first = await(stores[1].vote(a.id(), deciding));
        VoteResult retried = await(stores[1].vote(a.id(), deciding));
        assertEquals(ApprovalStatus.APPROVED, first.transition());
        List<String> lost = new ArrayList<>();
        if (retried.outcome() != first.outcome() || retried.transition() != first.transition()) {
            lost.add("the deciding vote, retried, answers " + retried.outcome() + " with transition " + retried.transition()
                    + " instead of " + first.outcome() + "/" + first.transition() + ": nobody audits 'approved', wakes waiters or queues callbacks");
        }
        Instant now = Instant.now();
        RedeemResult used = await(stores[2].redeem(a.id(), a.contextHash(), "dec_retried", now));
        RedeemResult usedAgain = await(stores[2].redeem(a.id(), a.contextHash(), "dec_retried", now));
        assertTrue(used.granted());
        if (!usedAgain.granted()) {
            lost.add("the redemption, retried, is refused (\"" + usedAgain.reason() + "\"): the grant is used up and its own decision denied");
        }
        assertEquals(List.of(), lost);
    }

    @Test
    void unknownApprovalsAnswerNull() throws Exception {
        String id = newId();
        assertNull(await(stores[0].get(id)));
        assertNull(await(stores[1].vote(id, vote("carol@example.com", Choice.APPROVE))));
        assertNull(await(stores[2].redeem(id, "ctx", "dec", Instant.now())));
        assertNull(await(stores[0].get(id)), "voting on or redeeming an unknown approval creates nothing");
    }

    @Test
    void eachMemberExpiresOnlyWhatItOwnsAndTogetherEverythingOnce() throws Exception {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        Set<String> due = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            PendingApproval a = approval(past, Duration.ofHours(1), 1, "ctx-" + UUID.randomUUID(), List.of());
            await(stores[i % MEMBERS].create(a, a.contextHash()));
            due.add(a.id());
        }
        PendingApproval notYet = approval(1);
        await(stores[0].create(notYet, notYet.contextHash()));
        PendingApproval decided = approval(past, Duration.ofHours(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        await(stores[0].create(decided, decided.contextHash()));
        await(stores[0].vote(decided.id(), new ReviewerVote("carol@example.com", Set.of("security"), Choice.APPROVE, "",
                past.plusSeconds(60), "node-test", "api")));

        Instant now = Instant.now();
        List<List<PendingApproval>> swept = atOnce(List.of(
                () -> stores[0].expireOwnDue(now), () -> stores[1].expireOwnDue(now), () -> stores[2].expireOwnDue(now)));
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
        Instant later = Instant.now();
        for (HazelcastApprovalStore s : stores) {
            assertTrue(s.expireOwnDue(later).stream().noneMatch(a -> due.contains(a.id())), "a second sweep expires nothing again");
        }
        assertEquals(ApprovalStatus.PENDING, await(stores[2].get(notYet.id())).status());
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
        PendingApproval expired = approval(Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1), 1, "ctx-" + UUID.randomUUID(), List.of());
        PendingApproval called = approval(1);
        for (PendingApproval a : List.of(voted, redeemed, expired, called)) {
            await(stores[0].create(a, a.contextHash()));
            assertTrue(Math.abs(expirationOf(a) - keepUntil(a)) < 5_000,
                    "a new approval is kept until a week past its expiry: " + Instant.ofEpochMilli(expirationOf(a)));
        }
        await(stores[1].vote(voted.id(), vote("carol@example.com", Choice.APPROVE)));
        await(stores[1].vote(redeemed.id(), vote("carol@example.com", Choice.APPROVE)));
        assertTrue(await(stores[2].redeem(redeemed.id(), redeemed.contextHash(), "dec_2", Instant.now())).granted());
        boolean swept = false;
        for (HazelcastApprovalStore s : stores) {
            swept |= s.expireOwnDue(Instant.now()).stream().anyMatch(a -> a.id().equals(expired.id()));
        }
        assertTrue(swept);
        PendingApproval again = approval(Instant.now(), Duration.ofHours(1), 1, called.contextHash(), List.of("https://hooks.example.com/b"));
        assertTrue(await(stores[2].create(again, called.contextHash())).reused());

        List<String> keptForever = new ArrayList<>();
        for (PendingApproval a : List.of(voted, redeemed, expired, called)) {
            long expiration = expirationOf(a);
            if (Math.abs(expiration - keepUntil(a)) >= 5_000) {
                PendingApproval now = await(stores[0].get(a.id()));
                keptForever.add(now.status().wireName() + " (" + now.votes().size() + " votes, redeemed " + (now.redeemedAt() != null)
                        + ", " + now.callbacks().size() + " callbacks): expires "
                        + (expiration == Long.MAX_VALUE ? "never" : Instant.ofEpochMilli(expiration).toString()));
            }
        }
        assertEquals(List.of(), keptForever, "after a transition each approval is still removed a week past its expiry"
                + " (an entry processor's plain setValue resets the entry's time to live)");
    }

    static long keepUntil(PendingApproval a) {
        return a.expiresAt().plus(HazelcastApprovalStore.KEEP_DECIDED).toEpochMilli();
    }

    static long expirationOf(PendingApproval a) {
        EntryView<String, PendingApproval> view = members[1].<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).getEntryView(a.id());
        return view.getExpirationTime();
    }

    /** An approval whose entry {@code owner} holds (its primary replica). */
    static PendingApproval ownedBy(HazelcastInstance owner, Instant createdAt, int quorum) {
        while (true) {
            PendingApproval a = approval(createdAt, Duration.ofHours(1), quorum, "ctx-" + UUID.randomUUID(), List.of());
            if (owner.getPartitionService().getPartition(a.id()).getOwner().localMember()) {
                return a;
            }
        }
    }

    @Test
    void aMemberStoppingHardLosesNoApprovalVoteOrGrant() throws Exception {
        HazelcastInstance doomed = members[0];
        Map<String, PendingApproval> before = new HashMap<>();
        List<String> unusedGrants = new ArrayList<>();
        Set<String> due = new HashSet<>();
        Instant past = Instant.now().minus(Duration.ofHours(2));
        for (int k = 0; k < MEMBERS; k++) {
            HazelcastInstance owner = members[k];
            for (int copy = 0; copy < 2; copy++) {
                PendingApproval untouched = ownedBy(owner, Instant.now(), 2);
                PendingApproval oneVote = ownedBy(owner, Instant.now(), 2);
                PendingApproval grant = ownedBy(owner, Instant.now(), 1);
                PendingApproval used = ownedBy(owner, Instant.now(), 1);
                PendingApproval denied = ownedBy(owner, Instant.now(), 2);
                PendingApproval overdue = ownedBy(owner, past, 1);
                for (PendingApproval a : List.of(untouched, oneVote, grant, used, denied, overdue)) {
                    await(stores[(k + 1) % MEMBERS].create(a, a.contextHash()));
                }
                await(stores[(k + 2) % MEMBERS].vote(oneVote.id(), vote("carol@example.com", Choice.APPROVE)));
                assertEquals(ApprovalStatus.APPROVED, await(stores[k].vote(grant.id(), vote("carol@example.com", Choice.APPROVE))).transition());
                assertEquals(ApprovalStatus.APPROVED, await(stores[k].vote(used.id(), vote("dan@example.com", Choice.APPROVE))).transition());
                assertTrue(await(stores[(k + 1) % MEMBERS].redeem(used.id(), used.contextHash(), "dec_used", Instant.now())).granted());
                await(stores[(k + 1) % MEMBERS].vote(denied.id(), vote("carol@example.com", Choice.APPROVE)));
                assertEquals(ApprovalStatus.DENIED, await(stores[(k + 2) % MEMBERS].vote(denied.id(), vote("dan@example.com", Choice.DENY))).transition());
                unusedGrants.add(grant.id());
                due.add(overdue.id());
                for (PendingApproval a : List.of(untouched, oneVote, grant, used, denied)) {
                    before.put(a.id(), await(stores[0].get(a.id())));
                }
            }
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
                    () -> await(stores[1].redeem(id, before.get(id).contextHash(), "dec_b", Instant.now())),
                    () -> await(stores[2].redeem(id, before.get(id).contextHash(), "dec_c", Instant.now()))));
            assertEquals(1, results.stream().filter(RedeemResult::granted).count(), "an unused grant is still usable, once: " + id);
        }
        Instant now = Instant.now();
        List<List<PendingApproval>> swept = atOnce(List.of(() -> stores[1].expireOwnDue(now), () -> stores[2].expireOwnDue(now)));
        List<String> expired = new ArrayList<>();
        swept.forEach(list -> list.forEach(a -> expired.add(a.id())));
        assertTrue(expired.containsAll(due), "the survivors expire what the stopped member owned too: missing "
                + due.stream().filter(id -> !expired.contains(id)).toList());
        assertEquals(new HashSet<>(expired).size(), expired.size(), "each expired once");
    }
}
