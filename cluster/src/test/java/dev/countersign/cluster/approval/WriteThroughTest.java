package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.TestClock;
import dev.countersign.cluster.TestMembers;
import dev.countersign.cluster.store.ApprovalDatabase;
import dev.countersign.cluster.store.StoreLocation;
import dev.countersign.cluster.store.StoreUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Approval state written through to a real database (the embedded H2 file store) under two real
 * members: a change the database refuses is not made in memory and fails its caller, whichever
 * member holds the entry, and the member applies the next one once the database is back; a full
 * stop of every member loses nothing; a row edited in the database is refused as tampered.
 */
class WriteThroughTest {
    private static final TestClock CLOCK = new TestClock();
    private Path dir;
    private TestMembers cluster;
    private final HazelcastInstance[] members = new HazelcastInstance[2];
    private final HazelcastApprovalStore[] stores = new HazelcastApprovalStore[2];
    private final ApprovalDatabase[] dbs = new ApprovalDatabase[2];

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("write-through");
        cluster = new TestMembers(2, CLOCK);
        startAll();
    }

    private void startAll() throws Exception {
        for (int i = 0; i < 2; i++) {
            dbs[i] = ApprovalDatabase.open(StoreLocation.embedded(dir), CLOCK);
            dbs[i].migrate();
            ClusterSettings settings = cluster.settings(i, 1).withMaxClockSkew(Duration.ofDays(3650));
            members[i] = cluster.start(i, settings, dbs[i]);
            stores[i] = new HazelcastApprovalStore(members[i]);
        }
        TestMembers.awaitSafe(List.of(members), 2);
    }

    private void stopAll() {
        for (int i = 0; i < 2; i++) {
            if (members[i] != null && members[i].getLifecycleService().isRunning()) {
                members[i].getLifecycleService().terminate();
            }
            if (dbs[i] != null) {
                dbs[i].close();
            }
        }
    }

    @AfterEach
    void stop() {
        stopAll();
    }

    private Connection sql() throws Exception {
        return DriverManager.getConnection(StoreLocation.embedded(dir).url(), "countersign", "");
    }

    /** Makes the database refuse every approval write (its table is renamed away), until {@link #restoreTable}. */
    private void breakTable() throws Exception {
        try (Connection c = sql(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE countersign_approvals RENAME TO countersign_approvals_away");
        }
    }

    private void restoreTable() throws Exception {
        try (Connection c = sql(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE countersign_approvals_away RENAME TO countersign_approvals");
        }
    }

    private long storedVersion(String id) throws Exception {
        try (Connection c = sql(); PreparedStatement p = c.prepareStatement("SELECT version FROM countersign_approvals WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : -1;
            }
        }
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static StoreUnavailableException refused(CompletionStage<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.toCompletableFuture().get(30, TimeUnit.SECONDS));
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof StoreUnavailableException)) {
            cause = cause.getCause();
        }
        return assertInstanceOf(StoreUnavailableException.class, cause, "refused for the store: " + e.getCause());
    }

    private PendingApproval heldBy(int holder) {
        while (true) {
            PendingApproval a = ThreeMembers.approval(2);
            if (members[holder].getPartitionService().getPartition(a.id()).getOwner().localMember()) {
                return a;
            }
        }
    }

    @Test
    void aChangeTheDatabaseRefusesIsNotMadeAndTheNextOneIsOnceItIsBack() throws Exception {
        for (int holder = 0; holder < 2; holder++) {
            PendingApproval a = heldBy(holder);
            PendingApproval created = await(stores[0].create(a, a.contextHash())).approval();
            await(stores[0].vote(a.id(), ThreeMembers.vote("carol@example.com", Choice.APPROVE)));
            IMap<String, PendingApproval> map = members[0].getMap(HazelcastApprovalStore.APPROVALS);
            PendingApproval before = map.get(a.id());
            assertEquals(before.version(), storedVersion(a.id()), "the vote was stored before it was answered");

            breakTable();
            StoreUnavailableException e = refused(stores[0].vote(a.id(), ThreeMembers.vote("dave@example.com", Choice.APPROVE)));
            assertEquals("store_unavailable", e.code());
            assertEquals(before, map.get(a.id()), "memory holds the approval as it was (holder " + holder + ")");
            assertEquals(before, members[1].<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).get(a.id()));
            PendingApproval fresh = heldBy(holder);
            refused(stores[0].create(fresh, fresh.contextHash()));
            assertNull(map.get(fresh.id()), "an approval the database refused does not exist");
            assertFalse(dbs[holder].health().up(), "the holder's store is down");

            restoreTable();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!dbs[holder].health().up()) {
                assertTrue(System.nanoTime() < deadline, "the probe sees the store back");
                Thread.sleep(50);
            }
            VoteResult second = await(stores[1].vote(a.id(), ThreeMembers.vote("dave@example.com", Choice.APPROVE)));
            assertTrue(second.counted(), "the vote counts once the database is back: " + second.reason());
            assertEquals(ApprovalStatus.APPROVED, map.get(a.id()).status());
            assertEquals(before.version() + 1, map.get(a.id()).version());
            assertEquals(map.get(a.id()).version(), storedVersion(a.id()));
            assertNotNull(created);
        }
    }

    @Test
    void everyApprovalVoteAndGrantIsAsBeforeAfterEveryMemberStopped() throws Exception {
        PendingApproval pending = ThreeMembers.approval(2);
        PendingApproval granted = ThreeMembers.approval(1);
        PendingApproval used = ThreeMembers.approval(1);
        for (PendingApproval a : List.of(pending, granted, used)) {
            await(stores[0].create(a, a.contextHash()));
            await(stores[1].vote(a.id(), ThreeMembers.vote("carol@example.com", Choice.APPROVE)));
        }
        assertTrue(await(stores[0].redeem(used.id(), used.contextHash(), "dec_used", used.requirement(),
                used.requester().client())).granted());
        IMap<String, PendingApproval> map = members[0].getMap(HazelcastApprovalStore.APPROVALS);
        java.util.Map<String, PendingApproval> before = new java.util.HashMap<>(map);

        stopAll();
        startAll();

        IMap<String, PendingApproval> after = members[1].getMap(HazelcastApprovalStore.APPROVALS);
        assertEquals(before, new java.util.HashMap<>(after), "every approval as it was, seal and version included");
        assertEquals(pending.id(), await(stores[1].pendingFor(pending.contextHash())).id(), "the ask still finds its approval");
        RedeemResult again = await(stores[1].redeem(used.id(), used.contextHash(), "dec_other", used.requirement(),
                used.requester().client()));
        assertFalse(again.granted(), "a grant used before the restart is used");
        assertTrue(await(stores[0].redeem(granted.id(), granted.contextHash(), "dec_new", granted.requirement(),
                granted.requester().client())).granted(), "an unused grant is usable once");
        assertTrue(await(stores[1].vote(pending.id(), ThreeMembers.vote("dave@example.com", Choice.APPROVE))).counted());
    }

    @Test
    void noTransitionNorReadAsksTheDatabaseForWhatItHolds() throws Exception {
        long reads = dbs[0].reads().calls() + dbs[1].reads().calls();
        long writes = dbs[0].writes().calls() + dbs[1].writes().calls();
        PendingApproval a = ThreeMembers.approval(1);
        await(stores[1].create(a, a.contextHash()));
        assertNull(await(stores[0].get(ThreeMembers.newId())), "an unknown id is unknown, without a query");
        assertNull(await(stores[1].pendingFor("ctx-never-asked")));
        await(stores[0].vote(a.id(), ThreeMembers.vote("carol@example.com", Choice.APPROVE)));
        assertTrue(await(stores[1].redeem(a.id(), a.contextHash(), "dec_once", a.requirement(), a.requester().client())).granted());
        assertEquals(a.id(), await(stores[0].get(a.id())).id());
        assertEquals(reads, dbs[0].reads().calls() + dbs[1].reads().calls(), "the database is read at start only");
        assertEquals(writes + 4, dbs[0].writes().calls() + dbs[1].writes().calls(),
                "written once per change: the approval and its ask, the vote, the grant's use");
    }

    @Test
    void aRowEditedInTheDatabaseIsRefusedAsTampered() throws Exception {
        PendingApproval a = ThreeMembers.approval(2);
        await(stores[0].create(a, a.contextHash()));
        PendingApproval stored = members[0].<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS).get(a.id());
        stopAll();
        PendingApproval forged = new PendingApproval(stored.id(), stored.decisionId(), stored.createdBy(), stored.createdAt(),
                stored.expiresAt(), stored.requester(), stored.requirement(), stored.distinctReviewers(), stored.contextHash(),
                stored.context(), stored.decision(), stored.bundleRevision(), stored.callbacks(), ApprovalStatus.APPROVED, stored.votes(),
                stored.createdAt(), "mallory@example.com", null, null, stored.log(), stored.version(), stored.seal());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(forged);
        }
        try (Connection c = sql(); PreparedStatement p = c.prepareStatement("UPDATE countersign_approvals SET body = ? WHERE id = ?")) {
            p.setBytes(1, bytes.toByteArray());
            p.setString(2, a.id());
            assertEquals(1, p.executeUpdate());
        }
        startAll();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(stores[0].get(a.id())));
        assertInstanceOf(dev.countersign.cluster.TamperedStateException.class, e.getCause());
        ExecutionException redeem = assertThrows(ExecutionException.class, () -> await(stores[1].redeem(a.id(), a.contextHash(),
                "dec_forged", a.requirement(), a.requester().client())), "the forged grant is not honoured");
        assertInstanceOf(dev.countersign.cluster.TamperedStateException.class, redeem.getCause());
    }
}
