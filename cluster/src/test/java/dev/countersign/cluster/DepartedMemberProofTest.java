package dev.countersign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.DefaultNodeContext;
import com.hazelcast.instance.impl.DefaultNodeExtension;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.instance.impl.NodeExtension;
import dev.countersign.cluster.approval.ApprovalStatus;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Requester;
import dev.countersign.cluster.approval.Requirement;
import dev.countersign.cluster.approval.ReviewerVote;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A departed member's proof proves nothing for whoever joins later with its id and address, and the
 * node that submits a redemption believes the holder only as far as the sealed approval it returns
 * records the grant (found by the second security review).
 *
 * <p>Before, a member's proof ({@link MemberProofs}) was an HMAC of its UUID and address, kept in a
 * replicated map that nothing cleaned: an intruder on the cluster network that knows the join name (it
 * travels in clear) joined with a departed member's UUID and address (Hazelcast lets a member choose
 * both) and was taken for proven, and once it held an approval's partition, the node redeeming took its
 * {@code RedeemResult.granted()} at its word and granted a PENDING approval nobody voted on. Now a proof
 * is bound to the member's join version too and removed when the member leaves, and the redeeming node
 * checks the returned approval's seal and that it records this very redemption.
 *
 * <p>The intruder holds no secret: its user context is empty (as in ClusterTrustTest), and it answers
 * the redemption with its own class of the same name, loaded through its configuration's class loader
 * (what a process of its own would simply run).
 */
class DepartedMemberProofTest {
    private static final String STALE_JOIN_PREVENTION = "hazelcast.stale.join.prevention.duration.seconds";
    private final List<HazelcastInstance> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (HazelcastInstance h : started) {
            if (h.getLifecycleService().isRunning()) {
                h.getLifecycleService().terminate();
            }
        }
    }

    private HazelcastInstance start(TestMembers members, int i) {
        Config config = members.settings(i, 1).applyTo(new Config(), members.secret, Clock.systemUTC());
        config.setInstanceName(members.cluster + "-" + i + "-" + UUID.randomUUID());
        // Hazelcast refuses a recently joined id for 30 s (a JVM-wide setting, read as a member starts); an
        // intruder simply waits that out, the test need not.
        String stale = System.getProperty(STALE_JOIN_PREVENTION);
        System.setProperty(STALE_JOIN_PREVENTION, "1");
        HazelcastInstance h;
        try {
            h = Hazelcast.newHazelcastInstance(config);
        } finally {
            if (stale == null) {
                System.clearProperty(STALE_JOIN_PREVENTION);
            } else {
                System.setProperty(STALE_JOIN_PREVENTION, stale);
            }
        }
        started.add(h);
        return h;
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
    void aDepartedMembersProofDoesNotProveAnIntruderWithItsIdAndAddress() throws Exception {
        Scene scene = intruderHoldingAnApproval(false);
        refusedAsUnproven(scene);
    }

    /** The same from another address than the departed member's. */
    @Test
    void norAnIntruderWithItsIdFromAnotherAddress() throws Exception {
        Scene scene = intruderHoldingAnApproval(true);
        refusedAsUnproven(scene);
    }

    /**
     * Were the proofs defeated (here the test, which holds the secret, publishes a valid proof for the
     * intruder), the intruder holding the approval still cannot grant it nor decide it: its answers
     * are refused as tampered, since the approval it returns is PENDING and records no redemption and
     * no vote.
     */
    @Test
    void aGrantIsBelievedOnlyAsTheSealedApprovalRecordsIt() throws Exception {
        Scene scene = intruderHoldingAnApproval(false);
        MemberProofs proofs = new MemberProofs(scene.members.secret);
        scene.a.getReplicatedMap(MemberProofs.MAP).put(scene.evil.getCluster().getLocalMember().getUuid(),
                proofs.proofOf(scene.a.getCluster().getMembers().stream()
                        .filter(m -> m.getUuid().equals(scene.evil.getCluster().getLocalMember().getUuid())).findFirst().orElseThrow()));
        StandingException problem = MemberContext.of(scene.a).standing().problem(scene.a, false);
        assertNull(problem, () -> "the test's proof for the intruder did not hold: " + problem.getMessage());

        long tamperedBefore = scene.store.tampered();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> await(scene.store.redeem(scene.target.id(), "ctx-1", "dec_redeem", null, "gateway")));
        TamperedStateException refused = assertInstanceOf(TamperedStateException.class, e.getCause(), e::toString);
        assertEquals(scene.target.id(), refused.id());
        assertTrue(refused.getMessage().contains("does not record"), refused.getMessage());
        assertEquals(tamperedBefore + 1, scene.store.tampered(), "the refused answer is counted as tampered");

        // Its answer to a vote (counted, and approving) is refused too: the approval it returns holds no vote.
        ReviewerVote vote = new ReviewerVote("bob@example.com", Set.of("security"), Choice.APPROVE, "", Instant.now(), "node-a", "api");
        ExecutionException v = assertThrows(ExecutionException.class, () -> await(scene.store.vote(scene.target.id(), vote)));
        TamperedStateException voteRefused = assertInstanceOf(TamperedStateException.class, v.getCause(), v::toString);
        assertTrue(voteRefused.getMessage().contains("does not record"), voteRefused.getMessage());
        assertEquals(tamperedBefore + 2, scene.store.tampered());
    }

    private record Scene(TestMembers members, HazelcastInstance a, HazelcastInstance evil, HazelcastApprovalStore store,
                         PendingApproval target) {
    }

    /** The departed member's id stays refused: a's standing names the intruder, and the redemption is refused for it. */
    private static void refusedAsUnproven(Scene scene) throws Exception {
        StandingException problem = MemberContext.of(scene.a).standing().problem(scene.a, false);
        assertNotNull(problem, "the intruder was taken for a proven member");
        assertEquals("unproven_member", problem.code(), problem.getMessage());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> await(scene.store.redeem(scene.target.id(), "ctx-1", "dec_redeem", null, "gateway")));
        assertEquals("unproven_member", assertInstanceOf(StandingException.class, e.getCause()).code());
    }

    private Scene intruderHoldingAnApproval(boolean otherAddress) throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance b = start(members, 1);
        TestMembers.awaitSafe(List.of(a, b), 2);
        UUID departedUuid = b.getCluster().getLocalMember().getUuid();
        // What an intruder that read the replicated map while b was in the cluster holds.
        String replayed = (String) a.getReplicatedMap(MemberProofs.MAP).get(departedUuid);
        assertNotNull(replayed, "b published its proof");

        // b leaves (a restart, a rescheduled pod); its proof goes with it.
        b.getLifecycleService().terminate();
        TestMembers.awaitSafe(List.of(a), 1);
        for (int i = 0; i < 100 && a.getReplicatedMap(MemberProofs.MAP).get(departedUuid) != null; i++) {
            Thread.sleep(50);
        }
        assertNull(a.getReplicatedMap(MemberProofs.MAP).get(departedUuid), "the departed member's proof was removed");
        HazelcastApprovalStore store = new HazelcastApprovalStore(a);
        List<PendingApproval> pending = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            pending.add(await(store.create(proposed(), "ask-" + UUID.randomUUID())).approval());
        }

        // The intruder: the join name (sniffed), b's port and b's old UUID, no secret at all.
        String departedAddress = members.addresses.get(1);
        HazelcastInstance evil = intruder(members, departedUuid, otherAddress ? members.addresses.get(4) : departedAddress);
        assertEquals(otherAddress, !("127.0.0.1:" + evil.getCluster().getLocalMember().getAddress().getPort()).equals(departedAddress));
        ClusterTrustTest.awaitJoined(List.of(a, evil), 2);
        assertEquals(departedUuid, evil.getCluster().getLocalMember().getUuid(), "Hazelcast let it take the departed UUID");
        assertNull(evil.getUserContext().get(MemberContext.KEY), "the intruder holds no Countersign context (no secret)");
        evil.getReplicatedMap(MemberProofs.MAP).put(departedUuid, replayed);
        for (int i = 0; i < 100 && !replayed.equals(a.getReplicatedMap(MemberProofs.MAP).get(departedUuid)); i++) {
            Thread.sleep(50);
        }
        assertEquals(replayed, a.getReplicatedMap(MemberProofs.MAP).get(departedUuid), "the replayed proof reached a");

        PendingApproval target = pending.stream()
                .filter(p -> evil.getPartitionService().getPartition(p.id()).getOwner().localMember())
                .findFirst().orElseThrow();
        assertEquals(ApprovalStatus.PENDING, target.status());
        assertTrue(target.votes().isEmpty());
        return new Scene(members, a, evil, store, target);
    }

    /** A plain Hazelcast member with the join name, a listed address, and b's UUID; it answers redemptions with its own code. */
    private HazelcastInstance intruder(TestMembers members, UUID uuid, String address) throws Exception {
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        Config plain = new ClusterSettings(members.cluster, "127.0.0.1", port, members.addresses, null, 1)
                .applyTo(new Config(), members.secret, Clock.systemUTC());
        plain.getUserContext().clear();   // no MemberContext: no seal, no secret
        plain.setClassLoader(new IntruderClasses(getClass().getClassLoader(), compileIntruderProcessors()));
        plain.setInstanceName(members.cluster + "-intruder-" + UUID.randomUUID());
        HazelcastInstance h = HazelcastInstanceFactory.newHazelcastInstance(plain, plain.getInstanceName(), new DefaultNodeContext() {
            @Override
            public NodeExtension createNodeExtension(Node node) {
                return new DefaultNodeExtension(node) {
                    @Override
                    public UUID createMemberUuid() {
                        return uuid;
                    }
                };
            }
        });
        started.add(h);
        return h;
    }

    /**
     * The intruder's own {@code ApprovalProcessors$Redeem} and {@code $CastVote}: the same names,
     * serialVersionUID and fields, so that what an honest node sends deserialises into them; they
     * answer "granted" and "counted, and it approved".
     */
    private static final String INTRUDER_SOURCE = """
            package dev.countersign.cluster.approval;

            import com.hazelcast.map.EntryProcessor;
            import java.util.Map;

            final class ApprovalProcessors {
                abstract static class Transition<R> implements EntryProcessor<String, PendingApproval, R> {
                    private static final long serialVersionUID = 1L;
                    private String authorization;

                    @Override
                    public EntryProcessor<String, PendingApproval, R> getBackupProcessor() {
                        return null;
                    }
                }

                static final class CastVote extends Transition<VoteResult> {
                    private static final long serialVersionUID = 1L;
                    private final ReviewerVote vote = null;

                    @Override
                    public VoteResult process(Map.Entry<String, PendingApproval> entry) {
                        return new VoteResult(VoteResult.Outcome.ACCEPTED, null, entry.getValue(), ApprovalStatus.APPROVED);
                    }
                }

                static final class Redeem extends Transition<RedeemResult> {
                    private static final long serialVersionUID = 1L;
                    private final String contextHash = null;
                    private final String decisionId = null;
                    private final Requirement required = null;
                    private final String client = null;

                    @Override
                    public RedeemResult process(Map.Entry<String, PendingApproval> entry) {
                        return new RedeemResult(true, "granted by the intruder", entry.getValue(), null);
                    }
                }
            }
            """;

    private static Map<String, byte[]> compileIntruderProcessors() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new HashMap<>();
        JavaFileManager files = new ForwardingJavaFileManager<>(javac.getStandardFileManager(null, null, null)) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return out.computeIfAbsent(className, n -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        JavaFileObject source = new SimpleJavaFileObject(URI.create("mem:///dev/countersign/cluster/approval/ApprovalProcessors.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return INTRUDER_SOURCE;
            }
        };
        List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:none");
        if (!javac.getTask(null, files, null, options, null, List.of(source)).call()) {
            throw new IllegalStateException("the intruder's classes did not compile");
        }
        Map<String, byte[]> classes = new HashMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        return classes;
    }

    /** Child-first for the intruder's own classes, the test's class path for everything else. */
    private static final class IntruderClasses extends ClassLoader {
        private final Map<String, byte[]> own;

        IntruderClasses(ClassLoader parent, Map<String, byte[]> own) {
            super(parent);
            this.own = own;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                byte[] bytes = own.get(name);
                if (bytes == null) {
                    return super.loadClass(name, resolve);
                }
                Class<?> c = findLoadedClass(name);
                return c != null ? c : defineClass(name, bytes, 0, bytes.length);
            }
        }
    }
}
