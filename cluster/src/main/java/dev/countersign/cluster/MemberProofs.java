package dev.countersign.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every member shows that it holds the cluster secret: it publishes, in the replicated map
 * {@value #MAP}, an HMAC of its member id and address under a key derived from the secret, which no
 * member without the secret can make for itself (the join name, which travels in clear, is not
 * enough). A member without a valid proof stops approvals on every node until it shows one or leaves
 * ({@link Standing}); the first time one is seen it is logged as an error. A member puts its own
 * proof back whenever it is found missing or changed.
 */
public final class MemberProofs {
    public static final String MAP = "countersign.member-proofs";
    private static final Logger LOG = LoggerFactory.getLogger(MemberProofs.class);

    private final byte[] key;
    private final ConcurrentHashMap<UUID, String> verified = new ConcurrentHashMap<>();
    private final Set<UUID> reported = ConcurrentHashMap.newKeySet();

    MemberProofs(ClusterSecret secret) {
        this.key = secret.key("member-proof");
    }

    /** The first member of {@code hazelcast}'s cluster without a valid proof, or null; publishes this member's own first. */
    Member unproven(HazelcastInstance hazelcast) {
        ReplicatedMap<UUID, String> proofs = hazelcast.getReplicatedMap(MAP);
        Member local = hazelcast.getCluster().getLocalMember();
        String own = proof(local);
        if (!own.equals(proofs.get(local.getUuid()))) {
            proofs.put(local.getUuid(), own);
            verified.put(local.getUuid(), own);
        }
        for (Member m : hazelcast.getCluster().getMembers()) {
            String shown = proofs.get(m.getUuid());
            if (shown == null || !(shown.equals(verified.get(m.getUuid())) || verify(m, shown))) {
                if (reported.add(m.getUuid())) {
                    LOG.error("the cluster member {} ({}) has not shown that it holds the cluster secret: approvals are refused on"
                            + " every node while it is in the cluster; if it is not one of yours, the cluster network is reachable by"
                            + " others", m.getAddress(), m.getUuid());
                }
                return m;
            }
        }
        return null;
    }

    private boolean verify(Member m, String shown) {
        if (shown.equals(proof(m))) {
            verified.put(m.getUuid(), shown);
            return true;
        }
        return false;
    }

    private String proof(Member m) {
        return HexFormat.of().formatHex(ClusterSecret.mac(key, (m.getUuid() + "|" + m.getAddress()).getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
    }
}
