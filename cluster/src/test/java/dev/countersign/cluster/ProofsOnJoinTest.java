package dev.countersign.cluster;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member whose proof is missing from the replicated map when another joins (a replication lost while
 * partitions migrated, which a member cannot see from its own copy) sends it again on that join, so
 * the joining member does not refuse approvals for want of it. The loss itself cannot be provoked on
 * demand; the test removes the proof by hand and calls nothing on the member that lost it.
 */
class ProofsOnJoinTest {
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
    void aJoinHasEveryMemberSendItsProofAgain() throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance first = members.start(0, members.settings(0, 1));
        started.add(first);
        UUID firstId = first.getCluster().getLocalMember().getUuid();
        first.getReplicatedMap(MemberProofs.MAP).remove(firstId);
        assertNull(first.getReplicatedMap(MemberProofs.MAP).get(firstId), "the proof was removed");

        HazelcastInstance joining = members.start(1, members.settings(1, 1));
        started.add(joining);
        ClusterTrustTest.awaitJoined(List.of(first, joining), 2);
        Standing standing = MemberContext.of(joining).standing();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!standing.proven(joining) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(standing.proven(joining), "the joining member sees the first one proven without the first one being asked anything");
    }
}
