package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.TamperedStateException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A backup transition, validly signed by the primary that applied it, is applied by backup replicas
 * only: submitted as an operation of its own (what whoever captured one on the cluster network can
 * do), it would run on the member that holds the entry without the standing and freshness checks,
 * re-applying an old transition at its old time. The holder refuses it, logs and counts it, and the
 * entry stays as it was.
 */
class BackupAsOperationTest extends ThreeMembers {

    @Test
    void theHolderRefusesABackupSubmittedAsAnOperation() throws Exception {
        PendingApproval a;
        do {
            a = approval(Duration.ofMinutes(1), 1, "ctx-backup", List.of());
        } while (!members[0].getPartitionService().getPartition(a.id()).getOwner().localMember());
        await(stores[1].create(a, a.contextHash()));
        Instant whileOpen = CLOCK.instant();
        CLOCK.advance(Duration.ofMinutes(2));   // past its expiry: no vote counts any more

        // The backup of carol's approving vote at a time the approval was still open, signed as a primary signs it.
        ApprovalSeal seal = MemberContext.of(members[1]).seal();
        EntryProcessor<String, PendingApproval, VoteResult> backup = ApprovalProcessors.backupOf(
                new ApprovalProcessors.CastVote(vote("carol@example.com", Choice.APPROVE)).authorize(seal, a.id()), whileOpen, seal);
        IMap<String, PendingApproval> approvals = members[2].getMap(HazelcastApprovalStore.APPROVALS);
        PendingApproval before = approvals.get(a.id());
        long tamperedBefore = stores[0].tampered();
        String id = a.id();

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> approvals.submitToKey(id, backup).toCompletableFuture().get(30, TimeUnit.SECONDS));
        TamperedStateException refused = assertInstanceOf(TamperedStateException.class, e.getCause(), e::toString);
        assertEquals(id, refused.id());
        assertTrue(refused.getMessage().contains("submitted as an operation"), refused.getMessage());
        assertEquals(tamperedBefore + 1, stores[0].tampered(), "counted by the member holding the entry");

        assertEquals(before, approvals.get(id), "the entry is unchanged");
        PendingApproval now = await(stores[2].get(id));
        assertEquals(ApprovalStatus.EXPIRED, now.status());
        assertTrue(now.votes().isEmpty(), "the old vote was not applied: " + now.votes());
    }
}
