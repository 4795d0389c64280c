package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.map.EntryProcessor;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.TestClock;
import dev.countersign.cluster.TestMembers;
import dev.countersign.cluster.Unanswered;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A vote the member holding its approval does not answer in time, as when that member is frozen (a
 * stopped process, a starved VM): two real members, the caller's call timeout shortened to two
 * seconds, and the holder's partition thread kept busy by another operation on the same entry, so the
 * vote waits in its queue unanswered. The caller gets Hazelcast's {@link OperationTimeoutException},
 * which {@link Unanswered} names as a call that may have been applied (the API answers it 503
 * {@code cluster_unavailable}). The vote cast again counts, and repeated once more is answered as
 * already cast: it counts once.
 */
class UnansweredVoteTest {
    static final TestClock CLOCK = new TestClock();
    static TestMembers cluster;
    static HazelcastInstance holder;
    static HazelcastInstance caller;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TestMembers(2, CLOCK);
        holder = member(0, Map.of());
        caller = member(1, Map.of("hazelcast.operation.call.timeout.millis", "2000"));
        TestMembers.awaitSafe(Arrays.asList(holder, caller), 2);
    }

    private static HazelcastInstance member(int i, Map<String, String> properties) {
        ClusterSettings settings = cluster.settings(i, 1).withMaxClockSkew(Duration.ofDays(3650));
        Config config = settings.applyTo(new Config(), cluster.secret, CLOCK);
        properties.forEach(config::setProperty);
        config.setInstanceName(cluster.cluster + "-" + i + "-" + settings.port());
        return Hazelcast.newHazelcastInstance(config);
    }

    @AfterAll
    static void stop() {
        for (HazelcastInstance m : List.of(holder, caller)) {
            m.getLifecycleService().terminate();
        }
    }

    /** Keeps the partition thread of the entry it runs on busy for {@code millis}; changes nothing, so has no backup. */
    static final class Busy implements EntryProcessor<String, PendingApproval, Void> {
        private static final long serialVersionUID = 1L;
        private final long millis;

        Busy(long millis) {
            this.millis = millis;
        }

        @Override
        public Void process(Map.Entry<String, PendingApproval> entry) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }

        @Override
        public EntryProcessor<String, PendingApproval, Void> getBackupProcessor() {
            return null;
        }
    }

    @Test
    void aVoteTheHolderDoesNotAnswerInTimeMayHaveBeenAppliedAndRepeatingItCountsOnce() throws Exception {
        HazelcastApprovalStore onHolder = new HazelcastApprovalStore(holder);
        HazelcastApprovalStore onCaller = new HazelcastApprovalStore(caller);
        PendingApproval proposed = ownedBy(holder);
        onHolder.create(proposed, proposed.contextHash()).toCompletableFuture().get(30, TimeUnit.SECONDS);

        // Submitted on the holder itself: run there, never serialized.
        CompletionStage<Void> busy = holder.<String, PendingApproval>getMap(HazelcastApprovalStore.APPROVALS)
                .submitToKey(proposed.id(), new Busy(9_000));
        Thread.sleep(200);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> onCaller.vote(proposed.id(), carol())
                .toCompletableFuture().get(60, TimeUnit.SECONDS));
        Throwable unanswered = Unanswered.in(failed);
        assertNotNull(unanswered, "an unanswered call: " + failed);
        assertTrue(unanswered instanceof OperationTimeoutException, String.valueOf(unanswered));
        assertTrue(Unanswered.mayHaveApplied(unanswered), String.valueOf(unanswered));

        busy.toCompletableFuture().get(30, TimeUnit.SECONDS);
        PendingApproval after = onCaller.get(proposed.id()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        // Here it was not: a holder does not run an operation whose call timeout passed while it was queued.
        // One that was running when its holder froze would have been.
        assertEquals(List.of(), after.votes(), "the queued vote was dropped, not applied late");

        VoteResult cast = onCaller.vote(proposed.id(), carol()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(VoteResult.Outcome.ACCEPTED, cast.outcome(), "the vote cast again counts");
        VoteResult again = onCaller.vote(proposed.id(), carol()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(VoteResult.Outcome.REPEATED, again.outcome(), "the vote repeated once more is answered as already cast");
        assertEquals(1, again.approval().votes().size(), "and counts once: " + again.approval().votes());
    }

    private static ReviewerVote carol() {
        return new ReviewerVote("carol@example.com", Set.of("security"), Choice.APPROVE, "", Instant.EPOCH, "node-test", "api");
    }

    private static PendingApproval ownedBy(HazelcastInstance owner) {
        while (true) {
            PendingApproval a = PendingApproval.pending("apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26),
                    "dec_" + UUID.randomUUID(), "node-test", Instant.EPOCH, new Requester("agent:bot", "alice@example.com"),
                    new Requirement(List.of("security"), Map.of("security", 2), Duration.ofHours(1)), "ctx-" + UUID.randomUUID(), "{}", "{}",
                    "rev-1", List.of());
            if (owner.getPartitionService().getPartition(a.id()).getOwner().localMember()) {
                return a;
            }
        }
    }
}
