package dev.countersign.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.cluster.impl.MemberImpl;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every member shows that it holds the cluster secret: it publishes, in the replicated map
 * {@value #MAP}, an HMAC under a key derived from the secret of what identifies this very stay of it
 * in the cluster — its member id, its address and its member-list join version, which the cluster's
 * master assigns afresh at every join — which no member without the secret can make for itself (the
 * join name, which travels in clear, is not enough). A proof is checked against the member as the
 * cluster lists it now, every time: one copied from a member that left proves nothing for whoever
 * joins with its id and address later, since that join has another version, and a returning id
 * proves itself again. A member without a valid proof stops approvals on every node until it shows
 * one or leaves ({@link Standing}); one still without it {@value #REPORT_AFTER_SECONDS} s after it was first
 * seen so is logged as an error, once (a member that has just joined shows its proof within moments). A member
 * puts its own proof back whenever it is found missing or changed, and again whenever a member joins:
 * the replicated map's replication is asynchronous and a write can be lost while partitions migrate
 * (a joining member's initial fill-up included), and a member cannot see from its own copy that another
 * member's copy lacks its proof, so every join has each member send its proof to all once more. Every
 * member removes the proof of a member that left.
 */
public final class MemberProofs {
    public static final String MAP = "countersign.member-proofs";
    private static final Logger LOG = LoggerFactory.getLogger(MemberProofs.class);

    private final byte[] key;
    /** Per member id, the binding last verified and its proof. */
    private final ConcurrentHashMap<UUID, Verified> verified = new ConcurrentHashMap<>();
    /** How long a member may be seen without its proof before it is reported. */
    static final int REPORT_AFTER_SECONDS = 10;
    /** Per member id seen without a valid proof, when it was first seen so (System.nanoTime). */
    private final ConcurrentHashMap<UUID, Long> unprovenSince = new ConcurrentHashMap<>();
    private final Set<UUID> reported = ConcurrentHashMap.newKeySet();

    private record Verified(String binding, String proof) {
    }

    MemberProofs(ClusterSecret secret) {
        this.key = secret.key("member-proof");
    }

    /**
     * From now on, sends this member's proof to every member again whenever one joins
     * {@code hazelcast}'s cluster, and removes the proof of every member that leaves it.
     */
    void keepCurrent(HazelcastInstance hazelcast) {
        ReplicatedMap<UUID, String> proofs = hazelcast.getReplicatedMap(MAP);
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                Member local = hazelcast.getCluster().getLocalMember();
                proofs.put(local.getUuid(), proofOf(local)); // a put replicates even an unchanged value
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                UUID gone = event.getMember().getUuid();
                verified.remove(gone);
                unprovenSince.remove(gone);
                reported.remove(gone);
                proofs.remove(gone);
            }
        });
    }

    /** The first member of {@code hazelcast}'s cluster without a valid proof, or null; publishes this member's own first. */
    Member unproven(HazelcastInstance hazelcast) {
        ReplicatedMap<UUID, String> proofs = hazelcast.getReplicatedMap(MAP);
        Member local = hazelcast.getCluster().getLocalMember();
        String own = proofOf(local);
        if (!own.equals(proofs.get(local.getUuid()))) {
            proofs.put(local.getUuid(), own);
        }
        for (Member m : hazelcast.getCluster().getMembers()) {
            String shown = proofs.get(m.getUuid());
            if (shown == null || !holds(m, shown)) {
                long since = unprovenSince.computeIfAbsent(m.getUuid(), id -> System.nanoTime());
                if (System.nanoTime() - since >= REPORT_AFTER_SECONDS * 1_000_000_000L && reported.add(m.getUuid())) {
                    LOG.error("the cluster member {} ({}) has not shown that it holds the cluster secret: approvals are refused on"
                            + " every node while it is in the cluster; if it is not one of yours, the cluster network is reachable by"
                            + " others", m.getAddress(), m.getUuid());
                }
                return m;
            }
            unprovenSince.remove(m.getUuid());
        }
        return null;
    }

    /** Whether {@code shown} is the proof of {@code m} as the cluster lists it now. */
    private boolean holds(Member m, String shown) {
        String binding = binding(m);
        Verified known = verified.get(m.getUuid());
        if (known != null && known.binding.equals(binding)) {
            return known.proof.equals(shown);
        }
        String expected = proof(binding);
        verified.put(m.getUuid(), new Verified(binding, expected));
        return expected.equals(shown);
    }

    /** The proof {@code m} shows as the cluster lists it now, made with this member's secret. */
    String proofOf(Member m) {
        return proof(binding(m));
    }

    /** What a proof is bound to: the member's id, address and member-list join version (assigned by the master at each join). */
    private static String binding(Member m) {
        int joinVersion = m instanceof MemberImpl impl ? impl.getMemberListJoinVersion() : MemberImpl.NA_MEMBER_LIST_JOIN_VERSION;
        return m.getUuid() + "|" + m.getAddress() + "|" + joinVersion;
    }

    private String proof(String binding) {
        return HexFormat.of().formatHex(ClusterSecret.mac(key, binding.getBytes(StandardCharsets.UTF_8)));
    }
}
