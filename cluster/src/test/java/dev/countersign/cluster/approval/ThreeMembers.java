package dev.countersign.cluster.approval;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.TestClock;
import dev.countersign.cluster.TestMembers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Three real members in one JVM, configured as nodes configure theirs, sharing one {@link TestClock}
 * (so a test moves time for all of them) and a clock skew allowance wide enough for it; each test
 * starts with three running members and every partition backed up (a stopped member is replaced).
 */
abstract class ThreeMembers {
    static final int MEMBERS = 3;
    static final TestClock CLOCK = new TestClock();
    static TestMembers cluster;
    static final HazelcastInstance[] members = new HazelcastInstance[MEMBERS];
    static final HazelcastApprovalStore[] stores = new HazelcastApprovalStore[MEMBERS];
    static ExecutorService pool;

    @BeforeAll
    static void startMembers() throws Exception {
        cluster = new TestMembers(MEMBERS, CLOCK);
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

    @BeforeEach
    void threeSafeMembers() throws Exception {
        for (int i = 0; i < MEMBERS; i++) {
            if (!members[i].getLifecycleService().isRunning()) {
                cluster.renumber(i);
                start(i);
            }
        }
        TestMembers.awaitSafe(Arrays.asList(members), MEMBERS);
    }

    static void start(int i) {
        ClusterSettings settings = cluster.settings(i, 1).withMaxClockSkew(Duration.ofDays(3650));
        members[i] = cluster.start(i, settings);
        stores[i] = new HazelcastApprovalStore(members[i]);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static String newId() {
        return "apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 26);
    }

    /** A proposed approval needing {@code quorum} of security (the holding member sets its creation time). */
    static PendingApproval approval(Duration ttl, int quorum, String contextHash, List<String> callbacks) {
        return PendingApproval.pending(newId(), "dec_" + UUID.randomUUID(), "node-test", Instant.EPOCH,
                new Requester("agent:bot", "alice@example.com"),
                new Requirement(List.of("security"), Map.of("security", quorum), ttl), contextHash, "{}", "{}", "rev-1", callbacks);
    }

    static PendingApproval approval(int quorum) {
        return approval(Duration.ofHours(1), quorum, "ctx-" + UUID.randomUUID(), List.of());
    }

    static ReviewerVote vote(String reviewer, Choice choice) {
        return new ReviewerVote(reviewer, Set.of("security"), choice, "", Instant.EPOCH, "node-test", "api");
    }

    /** An approval whose entry {@code owner} holds (its primary replica). */
    static PendingApproval ownedBy(HazelcastInstance owner, int quorum) {
        while (true) {
            PendingApproval a = approval(quorum);
            if (owner.getPartitionService().getPartition(a.id()).getOwner().localMember()) {
                return a;
            }
        }
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
}
