package dev.countersign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.approval.ApprovalStore.Created;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.PendingApproval;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member that has joined but not yet shown its proof (as a restarted node is, for a moment): an
 * approval call made meanwhile waits for the proof and then goes through, rather than being refused.
 */
class PassingProblemsTest {
    private final List<HazelcastInstance> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (HazelcastInstance h : started) {
            if (h.getLifecycleService().isRunning()) {
                h.getLifecycleService().terminate();
            }
        }
    }

    @Test
    void aCallWaitsForAJoiningMembersProof() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = members.start(0, members.settings(0, 1));
        started.add(a);
        // A member that knows the join name but publishes no proof of its own until the test does it for it.
        Config silent = members.settings(1, 1).applyTo(new Config(), members.secret, Clock.systemUTC());
        silent.getUserContext().clear();
        silent.setInstanceName(members.cluster + "-silent");
        HazelcastInstance joining = Hazelcast.newHazelcastInstance(silent);
        started.add(joining);
        ClusterTrustTest.awaitJoined(List.of(a, joining), 2);

        PendingApproval p;
        do {
            p = ClusterTrustTest.proposed();
        } while (!a.getPartitionService().getPartition(p.id()).getOwner().localMember());
        String ask;
        do {
            ask = "ask-" + UUID.randomUUID();
        } while (!a.getPartitionService().getPartition(ask).getOwner().localMember());
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        CompletableFuture<Created> created = store.create(p, ask).toCompletableFuture();
        // The per-client count a hold makes first (on a worker thread: it blocks) waits the same way.
        CompletableFuture<Long> counted = CompletableFuture.supplyAsync(() -> store.pendingCountOf("no-such-client"));
        Thread.sleep(500);
        assertFalse(created.isDone(), "refused at once instead of waiting: " + (created.isDone() ? created.handle((c, e) -> e).join() : ""));
        assertFalse(counted.isDone(), "count refused at once instead of waiting: " + (counted.isDone() ? counted.handle((c, e) -> e).join() : ""));

        UUID id = joining.getCluster().getLocalMember().getUuid();
        Member seen = a.getCluster().getMembers().stream().filter(m -> m.getUuid().equals(id)).findFirst().orElseThrow();
        joining.getReplicatedMap(MemberProofs.MAP).put(id, new MemberProofs(members.secret).proofOf(seen));
        assertEquals(p.id(), created.get(30, TimeUnit.SECONDS).approval().id(), "created once the member is proven");
        assertEquals(0L, counted.get(30, TimeUnit.SECONDS), "counted once the member is proven");
    }
}
