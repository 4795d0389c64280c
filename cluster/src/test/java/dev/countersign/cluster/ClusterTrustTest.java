package dev.countersign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Requester;
import dev.countersign.cluster.approval.Requirement;
import dev.countersign.cluster.approval.ReviewerVote;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.intruder.Gadget;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster port as an intruder meets it: a Hazelcast client, another address of the machine, a
 * member without the secret, a forged or edited entry, a gadget class, a member whose clock is off, a
 * member the others were not told of, a member not started by Countersign.
 */
class ClusterTrustTest {
    private final List<HazelcastInstance> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (HazelcastInstance h : started) {
            if (h.getLifecycleService().isRunning()) {
                h.getLifecycleService().terminate();
            }
        }
    }

    private HazelcastInstance start(TestMembers members, int i, ClusterSettings settings, ClusterSecret secret, Clock clock) {
        Config config = settings.applyTo(new Config(), secret, clock);
        config.setInstanceName(members.cluster + "-" + i + "-" + UUID.randomUUID());
        HazelcastInstance h = Hazelcast.newHazelcastInstance(config);
        started.add(h);
        return h;
    }

    private HazelcastInstance start(TestMembers members, int i) {
        return start(members, i, members.settings(i, 1), members.secret, Clock.systemUTC());
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static PendingApproval proposed() {
        return PendingApproval.pending("apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26), "dec_1", "node-a",
                Instant.EPOCH, new Requester("agent:bot", "alice@example.com", "gateway", null),
                new Requirement(List.of("security"), Map.of("security", 1), Duration.ofHours(1)), "ctx-1", "{}", "{}", "rev-1", List.of());
    }

    @Test
    void aHazelcastClientIsRefusedEvenKnowingTheJoinName() throws Exception {
        TestMembers members = new TestMembers(1, Clock.systemUTC());
        start(members, 0);
        ClientConfig client = new ClientConfig();
        client.setClusterName(members.secret.joinName(members.cluster));
        client.getNetworkConfig().addAddress("127.0.0.1:" + members.port(0));
        client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3_000);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> {
            HazelcastInstance c = HazelcastClient.newHazelcastClient(client);
            c.shutdown();
        });
        assertTrue(refused.getMessage().contains("Unable to connect"), refused.getMessage());
    }

    @Test
    void theClusterPortListensOnTheClusterHostOnly() throws Exception {
        TestMembers members = new TestMembers(1, Clock.systemUTC());
        start(members, 0);
        try (Socket onHost = new Socket()) {
            onHost.connect(new InetSocketAddress("127.0.0.1", members.port(0)), 2_000);
        }
        // Every 127.x address is this machine's loopback: a wildcard bind would answer on 127.0.0.2 too.
        assertThrows(ConnectException.class, () -> {
            try (Socket elsewhere = new Socket()) {
                elsewhere.connect(new InetSocketAddress("127.0.0.2", members.port(0)), 2_000);
            }
        });
    }

    @Test
    void aMemberWithoutTheSecretIsRefusedAtTheJoin() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance first = start(members, 0);
        HazelcastInstance outsider = start(members, 1, members.settings(1, 1), ClusterSecret.generate(), Clock.systemUTC());
        Thread.sleep(1_500);
        assertEquals(1, first.getCluster().getMembers().size(), "the member with another secret did not join");
        assertEquals(1, outsider.getCluster().getMembers().size());
        assertFalse(first.getConfig().getClusterName().equals(members.cluster), "the join name is not the plain cluster name");
    }

    @Test
    void aForgedOrEditedApprovalIsRefusedByEveryReaderAndTransition() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance b = start(members, 1);
        TestMembers.awaitSafe(List.of(a, b), 2);
        HazelcastApprovalStore storeA = new HazelcastApprovalStore(a);
        HazelcastApprovalStore storeB = new HazelcastApprovalStore(b);
        PendingApproval held = await(storeA.create(proposed(), "ask-" + UUID.randomUUID())).approval();

        // What the intruder did: read the pending approval, put back a copy marked approved with an invented vote.
        IMap<String, PendingApproval> raw = b.getMap(HazelcastApprovalStore.APPROVALS);
        PendingApproval stored = raw.get(held.id());
        PendingApproval forged = new PendingApproval(stored.id(), stored.decisionId(), stored.createdBy(), stored.createdAt(),
                stored.expiresAt(), stored.requester(), stored.requirement(), stored.distinctReviewers(), stored.contextHash(),
                stored.context(), stored.decision(), stored.bundleRevision(), stored.callbacks(), ApprovalStatus.APPROVED,
                List.of(new Vote("mallory@example.com", Choice.APPROVE, "", Instant.now(), "x", "api", List.of("security"), "c1")),
                Instant.now(), "mallory@example.com", null, null, stored.log(), stored.version(), stored.seal());
        raw.put(held.id(), forged);

        for (CompletionStage<?> call : List.of(storeA.get(held.id()), storeB.get(held.id()),
                storeA.redeem(held.id(), "ctx-1", "dec_2", null, "gateway"),
                storeB.vote(held.id(), new ReviewerVote("carol@example.com", Set.of("security"), Choice.APPROVE, "", Instant.now(), "n", "api")))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(call));
            TamperedStateException tampered = assertInstanceOf(TamperedStateException.class, e.getCause());
            assertEquals(held.id(), tampered.id());
        }
        assertTrue(await(storeA.list(null, 100)).stream().noneMatch(x -> x.id().equals(held.id())), "left out of listings");
        assertTrue(storeA.tampered() + storeB.tampered() >= 2, "counted where it was found");
        assertNull(raw.get(held.id()).redeemedBy(), "the forged grant was not used");

        // An entry with no seal at all, as a client would put it, is refused the same way.
        raw.put(held.id(), forged.sealedWith(null));
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(storeB.get(held.id())));
        assertInstanceOf(TamperedStateException.class, e.getCause());
    }

    @Test
    void aSinkAddedOutsideCountersignIsNeverDelivered() throws Exception {
        TestMembers members = new TestMembers(1, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        PendingApproval held = await(store.create(proposed(), "ask-" + UUID.randomUUID())).approval();
        // What a client of the cluster port would do: point the outcome, with the server's signature, at its victim.
        IMap<String, PendingApproval> raw = a.getMap(HazelcastApprovalStore.APPROVALS);
        PendingApproval stored = raw.get(held.id());
        raw.put(held.id(), stored.withCallback("https://victim.example.com/hook").sealedWith(stored.seal()));

        ExecutionException e = assertThrows(ExecutionException.class, () -> await(store.claim(held.id(), "node-a", Duration.ofSeconds(30))));
        assertInstanceOf(TamperedStateException.class, e.getCause());
        assertNull(raw.get(held.id()).log().deliveries().get("callback:https://victim.example.com/hook").claimedBy(),
                "nothing claimed it for delivery");
    }

    @Test
    void anEntryProcessorOfAForeignClassIsNotDeserialised() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance b = start(members, 1);
        TestMembers.awaitSafe(List.of(a, b), 2);
        a.getMap("anything").put("warm-up", "assigns the partitions");
        String key;
        do {
            key = UUID.randomUUID().toString();
        } while (!b.getPartitionService().getPartition(key).getOwner().localMember());
        IMap<String, Object> map = a.getMap("anything");
        map.put(key, "value");
        Gadget.ran = false;
        String target = key;
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(map.submitToKey(target, new Gadget())));
        assertFalse(Gadget.ran, "the gadget never ran on the member holding the key");
        assertTrue(String.valueOf(e.getCause()).contains("not allowed"), String.valueOf(e.getCause()));
    }

    @Test
    void aMemberWhoseClockIsOffRefusesApprovalsAndSaysBy() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        TestClock ahead = new TestClock();
        ahead.set(Duration.ofSeconds(10));
        HazelcastInstance skewed = start(members, 1, members.settings(1, 1), members.secret, ahead);
        TestMembers.awaitSafe(List.of(a, skewed), 2);
        HazelcastApprovalStore store = new HazelcastApprovalStore(skewed);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(store.create(proposed(), "ask-1")));
        StandingException refused = assertInstanceOf(StandingException.class, e.getCause());
        assertEquals("clock_skew", refused.code());
        assertTrue(refused.getMessage().contains("ahead of the cluster's"), refused.getMessage());
        assertTrue(MemberContext.of(skewed).standing().clockSkewMillis(skewed) >= 9_000);

        // An approval the skewed member holds is not changed through it either, whoever asks.
        HazelcastApprovalStore good = new HazelcastApprovalStore(a);
        String heldThere = null;
        for (int i = 0; i < 200 && heldThere == null; i++) {
            PendingApproval p = proposed();
            if (skewed.getPartitionService().getPartition(p.id()).getOwner().localMember()) {
                ExecutionException atHolder = assertThrows(ExecutionException.class, () -> await(good.create(p, "ask-" + UUID.randomUUID())));
                assertEquals("clock_skew", assertInstanceOf(StandingException.class, atHolder.getCause()).code());
                heldThere = p.id();
            }
        }
        assertNotNull(heldThere);
    }

    @Test
    void aMemberNobodyListedStopsApprovalsUntilItLeaves() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance b = start(members, 1);
        TestMembers.awaitSafe(List.of(a, b), 2);
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        PendingApproval held = await(store.create(proposed(), "ask-" + UUID.randomUUID())).approval();

        int stranger = TestMembers.freePort();
        ClusterSettings unlisted = new ClusterSettings(members.cluster, "127.0.0.1", stranger, members.addresses, null, 1);
        HazelcastInstance rogue = start(members, 2, unlisted, members.secret, Clock.systemUTC());
        TestMembers.awaitSafe(List.of(a, b, rogue), 3);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(store.get(held.id())));
        StandingException refused = assertInstanceOf(StandingException.class, e.getCause());
        assertEquals("unexpected_member", refused.code());
        assertTrue(refused.getMessage().contains(":" + stranger), refused.getMessage());

        rogue.getLifecycleService().terminate();
        TestMembers.awaitSafe(List.of(a, b), 2);
        assertEquals(held.id(), await(store.get(held.id())).id(), "approvals resume once it is gone");
    }

    @Test
    void aMemberNotStartedByCountersignStopsApprovalsAndAppliesNoTransition() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        // A plain member at a listed address that knows the join name: no seal, no clock, no standing of its own.
        Config plain = members.settings(1, 1).applyTo(new Config(), members.secret, Clock.systemUTC());
        plain.getUserContext().clear();
        plain.setInstanceName(members.cluster + "-plain");
        HazelcastInstance bare = Hazelcast.newHazelcastInstance(plain);
        started.add(bare);
        awaitJoined(List.of(a, bare), 2);
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        PendingApproval there;
        do {
            there = proposed();
        } while (!bare.getPartitionService().getPartition(there.id()).getOwner().localMember());
        PendingApproval p = there;
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(store.create(p, "ask-" + UUID.randomUUID())));
        StandingException unproven = assertInstanceOf(StandingException.class, e.getCause());
        assertEquals("unproven_member", unproven.code(), unproven.getMessage());
        assertTrue(unproven.getMessage().contains("has not shown that it holds the cluster secret"), unproven.getMessage());
        // Sent to it directly, signed as an honest node signs it, it applies nothing either.
        IMap<String, PendingApproval> map = a.getMap(HazelcastApprovalStore.APPROVALS);
        ExecutionException direct = assertThrows(ExecutionException.class, () -> await(map.submitToKey(p.id(),
                new dev.countersign.cluster.approval.ApprovalProcessorsAccess().create(p, MemberContext.of(a).seal()))));
        StandingException foreign = assertInstanceOf(StandingException.class, direct.getCause());
        assertEquals("foreign_member", foreign.code());
        assertNull(map.get(p.id()), "nothing was stored");
        assertThrows(StandingException.class, () -> new HazelcastApprovalStore(bare));
    }

    /** A member at a listed address that learnt the join name but holds no secret: what an intruder on the network runs. */
    private HazelcastInstance intruder(TestMembers members, int i, String publicAddress) {
        Config plain = members.settings(i, 1).applyTo(new Config(), members.secret, Clock.systemUTC());
        plain.getUserContext().clear();
        if (publicAddress != null) {
            plain.getAdvancedNetworkConfig().getEndpointConfigs().values()
                    .forEach(e -> ((com.hazelcast.config.ServerSocketEndpointConfig) e).setPublicAddress(publicAddress));
        }
        plain.setInstanceName(members.cluster + "-intruder-" + UUID.randomUUID());
        HazelcastInstance h = Hazelcast.newHazelcastInstance(plain);
        started.add(h);
        return h;
    }

    static String heldBy(HazelcastInstance holder) {
        while (true) {
            String id = "apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
            if (holder.getPartitionService().getPartition(id).getOwner().localMember()) {
                return id;
            }
        }
    }

    @Test
    void anHonestHolderAppliesNoTransitionAnIntruderMadeUp() throws Exception {
        TestMembers members = new TestMembers(3, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance evil = intruder(members, 1, null);
        awaitJoined(List.of(a, evil), 2);
        var access = new dev.countersign.cluster.approval.ApprovalProcessorsAccess();
        IMap<String, PendingApproval> seenByIntruder = evil.getMap(HazelcastApprovalStore.APPROVALS);
        // 1. A creation of an approval already approved, with invented votes.
        PendingApproval base = proposed();
        String id = heldBy(a);
        PendingApproval approved = new PendingApproval(id, base.decisionId(), "x", Instant.now(), Instant.now().plusSeconds(3600),
                base.requester(), base.requirement(), true, base.contextHash(), "{}", "{}", "rev-1", List.of(), ApprovalStatus.APPROVED,
                List.of(new Vote("mallory@example.com", Choice.APPROVE, "", Instant.now(), "x", "api", List.of("security"), "c")),
                Instant.now(), "mallory@example.com", null, null, null, 0, null);
        ExecutionException created = assertThrows(ExecutionException.class, () -> await(seenByIntruder.submitToKey(id, access.unsignedCreate(approved))));
        assertInstanceOf(TamperedStateException.class, created.getCause());
        assertTrue(created.getCause().getMessage().contains("not signed with the cluster secret"), created.getCause().getMessage());
        assertNull(a.getMap(HazelcastApprovalStore.APPROVALS).get(id), "nothing was stored");
        // 2. Votes of reviewers it invented, on a real pending approval the honest member holds.
        // (the honest member's own store refuses approvals while the intruder is there; the holder's code is what is tested)
        PendingApproval pending = PendingApproval.pending(id, "dec_1", "node-a", Instant.EPOCH, base.requester(), base.requirement(),
                base.contextHash(), "{}", "{}", "rev-1", List.of());
        await(a.<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).submitToKey(id,
                access.create(pending, MemberContext.of(a).seal())));
        ReviewerVote invented = new ReviewerVote("mallory@example.com", Set.of("security"), Choice.APPROVE, "", Instant.now(), "x", "api");
        ExecutionException voted = assertThrows(ExecutionException.class, () -> await(seenByIntruder.submitToKey(id, access.unsignedVote(invented))));
        assertInstanceOf(TamperedStateException.class, voted.getCause());
        assertEquals(ApprovalStatus.PENDING, a.<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).get(id).status(),
                "the invented vote was not counted");
    }

    @Test
    void anEarlierSealedStatePutBackIsRefusedWhereTheApprovalIsHeld() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance b = start(members, 1);
        TestMembers.awaitSafe(List.of(a, b), 2);
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        PendingApproval held = await(store.create(proposed(), "ask-" + UUID.randomUUID())).approval();
        await(store.vote(held.id(), new ReviewerVote("carol@example.com", Set.of("security"), Choice.APPROVE, "", Instant.now(), "n", "api")));
        IMap<String, PendingApproval> raw = b.getMap(HazelcastApprovalStore.APPROVALS);
        PendingApproval approvedUnused = raw.get(held.id());
        assertTrue(await(store.redeem(held.id(), "ctx-1", "dec_first", null, "gateway")).granted());
        raw.put(held.id(), approvedUnused);   // the sealed copy of the approved, unused grant, put back
        ExecutionException second = assertThrows(ExecutionException.class,
                () -> await(store.redeem(held.id(), "ctx-1", "dec_second", null, "gateway")));
        TamperedStateException rolledBack = assertInstanceOf(TamperedStateException.class, second.getCause());
        assertTrue(rolledBack.getMessage().contains("an earlier state was put back"), rolledBack.getMessage());
        // A sealed value under another key is refused too.
        PendingApproval other = await(store.create(proposed(), "ask-" + UUID.randomUUID())).approval();
        raw.put(other.id(), raw.get(held.id()));
        ExecutionException moved = assertThrows(ExecutionException.class, () -> await(store.get(other.id())));
        assertInstanceOf(TamperedStateException.class, moved.getCause());
    }

    @Test
    void aMemberShowsItsProofAsSoonAsItHasJoined() throws Exception {
        TestMembers members = new TestMembers(1, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        assertNotNull(a.getReplicatedMap(MemberProofs.MAP).get(a.getCluster().getLocalMember().getUuid()),
                "published when the member started, before anything asked for its standing");
    }

    @Test
    void aMemberClaimingAListedAddressStillMustProveItHoldsTheSecret() throws Exception {
        TestMembers members = new TestMembers(3, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        PendingApproval held = await(store.create(proposed(), "ask-" + UUID.randomUUID())).approval();
        // It listens on a port nobody listed, and announces the address of a listed member that is not running.
        ClusterSettings unlisted = new ClusterSettings(members.cluster, "127.0.0.1", TestMembers.freePort(), members.addresses, null, 1);
        Config plain = unlisted.applyTo(new Config(), members.secret, Clock.systemUTC());
        plain.getUserContext().clear();
        ((com.hazelcast.config.ServerSocketEndpointConfig) plain.getAdvancedNetworkConfig().getEndpointConfigs().values().iterator().next())
                .setPublicAddress(members.addresses.get(1));
        plain.setInstanceName(members.cluster + "-spoof");
        HazelcastInstance spoof = Hazelcast.newHazelcastInstance(plain);
        started.add(spoof);
        awaitJoined(List.of(a, spoof), 2);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(store.get(held.id())));
        assertEquals("unproven_member", assertInstanceOf(StandingException.class, e.getCause()).code());
    }

    /** Waits until the members see each other and every partition is backed up (proofs or not). */
    static void awaitJoined(List<HazelcastInstance> members, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (members.stream().anyMatch(m -> m.getCluster().getMembers().size() != size || !m.getPartitionService().isClusterSafe())) {
            assertTrue(System.nanoTime() < deadline, "the members did not join");
            Thread.sleep(50);
        }
        members.get(0).getMap("warm-up").put("x", "assigns the partitions");
    }

    @Test
    void theSecretIsNeverPrintedAndKeptOnlyByItsOwner() throws IOException {
        ClusterSecret s = ClusterSecret.of("0123456789abcdef0123456789abcdef-secret");
        assertFalse(s.toString().contains("0123456789"));
        assertFalse(new ClusterSettings("c", "127.0.0.1", 5701, List.of(), null).withSecret(s).toString().contains("0123456789"));
        assertThrows(IllegalArgumentException.class, () -> ClusterSecret.of("short"));
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("secret");
        java.nio.file.Path file = dir.resolve("cluster.secret");
        ClusterSecret made = ClusterSecret.loadOrCreate(file);
        assertTrue(made.sameAs(ClusterSecret.loadOrCreate(file)), "the same secret after a restart");
        assertEquals(Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE),
                java.nio.file.Files.getPosixFilePermissions(file));
        java.nio.file.Path link = dir.resolve("linked.secret");
        java.nio.file.Files.createSymbolicLink(link, file);
        assertThrows(IOException.class, () -> ClusterSecret.loadOrCreate(link));
    }
}
